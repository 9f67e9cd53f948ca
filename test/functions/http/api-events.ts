/** API Gateway v2 events as AWS sends them to the Lambda function (JWT authorizer claims, headers). */
import { randomUUID } from 'node:crypto';
import type { ApiEvent } from '../../../functions/http/api-handler.ts';

export function event(
  routeKey: string,
  options: {
    path: string;
    claims?: Record<string, string>;
    scopes?: string[];
    body?: unknown;
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
    /** Sent as `Authorization: Bearer …` (an API key), when there are no claims. */
    apiKey?: string;
  },
): ApiEvent {
  const [method] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: options.path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    ...(options.query ? { queryStringParameters: options.query } : {}),
    headers: {
      'content-type': 'application/json',
      // API Gateway passes the verified JWT on in the Authorization header.
      ...(options.claims
        ? { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl' }
        : options.apiKey
          ? { authorization: `Bearer ${options.apiKey}` }
          : {}),
    },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: {
        method: method!,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'test',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(options.claims
        ? {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: options.claims, scopes: options.scopes ?? [] },
            },
          }
        : {}),
    },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
    isBase64Encoded: false,
  } as ApiEvent;
}
