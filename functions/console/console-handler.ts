/**
 * The deployment's console function: answers API Gateway's `GET`/`HEAD` `/` and `/assets/{file}` with
 * the console build bundled into its package, read once at cold start (console-site.ts). Public: the
 * console holds no secret, and the API calls it makes carry the signed-in key. It touches nothing but
 * its own files: no table, no key, no vault.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFoundError } from '../../shared/errors.ts';
import { errorResponse } from '../http/error-response.ts';
import { answerConsole, readConsoleBuild } from './console-site.ts';

export type ConsoleHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A handler over the console build in `dir`, read now (at cold start), never again. */
export function createConsoleHandler(dir: string): ConsoleHandler {
  const build = readConsoleBuild(dir);
  return async (event): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext.requestId;
    const method = event.requestContext.http.method;
    const headers = event.headers ?? {};
    const answer = answerConsole(build, {
      method,
      path: event.rawPath,
      acceptEncoding: headers['accept-encoding'],
      ifNoneMatch: headers['if-none-match'],
    });
    if (!answer) {
      // What API Gateway routed here but the build did not write: the API's own 404.
      const { statusCode, body } = errorResponse(
        new NotFoundError(`no route ${method} ${event.rawPath}`),
        requestId,
      );
      return {
        statusCode,
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify(body),
      };
    }
    // API Gateway sets Content-Length itself, from the body it sends.
    const answerHeaders: Record<string, string> = Object.fromEntries(
      Object.entries(answer.headers).filter(([name]) => name !== 'content-length'),
    );
    const textual =
      answer.body !== undefined && !answer.headers['content-encoding'] && isText(answer.headers);
    return {
      statusCode: answer.status,
      headers: { ...answerHeaders, 'x-request-id': requestId },
      ...(answer.body === undefined
        ? {}
        : textual
          ? { body: answer.body.toString('utf8'), isBase64Encoded: false }
          : { body: answer.body.toString('base64'), isBase64Encoded: true }),
    };
  };
}

/** Text API Gateway can pass as it is; anything else (images, fonts, compressed bodies) goes as base64. */
function isText(headers: Record<string, string>): boolean {
  const type = headers['content-type'] ?? '';
  return type.startsWith('text/') || type.startsWith('image/svg+xml') || type.startsWith('application/json');
}
