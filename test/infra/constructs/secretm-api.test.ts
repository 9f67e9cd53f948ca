import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../../functions/console/console-site.ts';
import { type ApiEvent, type ApiHandler, createApiHandler } from '../../../functions/http/api-handler.ts';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { familyEntries, routes } from '../../../functions/routes.ts';
import { repoRoot } from '../../../infra/constructs/paths.ts';
import { moreLiteral } from '../../../infra/constructs/secretm-api.ts';
import {
  fixtureLayerPath,
  logicalId,
  type Resource,
  resourcesOf,
  type Synthesized,
  synthesize,
} from '../synthesize.ts';

const jwt = {
  mode: 'jwt' as const,
  issuer: 'https://login.example.com/tenant-pool',
  audience: ['secretm-api', 'secretm-cli'],
  tenantClaim: 'custom:tenant',
};

/** The function each route of one API reaches, and its authorizer, keyed by route key. */
function routesOf(synth: Synthesized, apiLogicalId: string) {
  const integrations = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Integration');
  const families = Object.keys(synth.stack.secretm.functions) as RouteFamily[];
  const familyOfFunction = new Map(
    families.map((family) => [
      logicalId(synth.stack, synth.stack.secretm.functions[family].function),
      family,
    ]),
  );
  const found = new Map<string, { family: RouteFamily | undefined; route: Resource }>();
  for (const route of Object.values(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route'))) {
    if ((route.Properties.ApiId as { Ref: string }).Ref !== apiLogicalId) continue;
    const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
    const integration = integrations[target['Fn::Join'][1][1].Ref]!;
    const uri = integration.Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] };
    found.set(route.Properties.RouteKey as string, {
      family: familyOfFunction.get(uri['Fn::GetAtt'][0]),
      route,
    });
  }
  return found;
}

const tableKeys = new Set(routes.map((route) => `${route.method} ${route.path}`));
/** The web console's routes (secretm-console.test.ts), on the API that takes API keys. */
const consoleKeys = new Set(consoleRoutes.map((route) => `${route.method} ${route.path}`));
const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const templateMatches = (template: string, requestPath: string) =>
  new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(requestPath);

/**
 * The requests no route of the table matches, as local mode sees them (find-my-way, one tree per
 * method): each known path with each method it lacks (variables as `x`), and paths secretm does not know.
 */
const unmatchedRequests = [
  ...[...new Set(routes.map((route) => route.path))].flatMap((template) => {
    const concrete = template.replace(/\{\w+\}/g, 'x');
    return methods
      .filter(
        (method) => !routes.some((route) => route.method === method && templateMatches(route.path, concrete)),
      )
      .map((method) => ({ method, path: concrete }));
  }),
  // `GET /` and `GET /assets/{file}` are the console's (secretm-console.test.ts); other methods of them are not.
  { method: 'POST', path: '/' },
  { method: 'DELETE', path: '/assets/x' },
  { method: 'GET', path: '/assets/x/y' },
  { method: 'GET', path: '/v1/nothing' },
  { method: 'POST', path: '/v1/secrets/x/nothing' },
  { method: 'DELETE', path: '/v2/secrets/x' },
];

/**
 * The route API Gateway selects for a request among an API's route keys: the most literal path first,
 * segment by segment, then a route with the request's method before `ANY`; `$default` when none
 * matches; undefined when the API has no `$default` either (API Gateway answers 404 itself).
 */
function selectRoute(routeKeys: string[], method: string, requestPath: string): string | undefined {
  const candidates = routeKeys
    .filter((key) => key !== '$default')
    .map((key) => {
      const [routeMethod = '', template = ''] = key.split(' ');
      return { key, method: routeMethod, segments: template.split('/'), template };
    })
    .filter(
      (route) =>
        (route.method === method || route.method === 'ANY') && templateMatches(route.template, requestPath),
    );
  const literal = (segment: string) => (segment.startsWith('{') ? 1 : 0);
  candidates.sort((a, b) => {
    for (const [i, segment] of a.segments.entries()) {
      const order = literal(segment) - literal(b.segments[i]!);
      if (order !== 0) return order;
    }
    return (a.method === 'ANY' ? 1 : 0) - (b.method === 'ANY' ? 1 : 0);
  });
  return candidates[0]?.key ?? (routeKeys.includes('$default') ? '$default' : undefined);
}

function apiEvent(routeKey: string, method: string, requestPath: string): ApiEvent {
  return {
    version: '2.0',
    routeKey,
    rawPath: requestPath,
    rawQueryString: '',
    headers: {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method, path: requestPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  } as ApiEvent;
}

/** What an answer says to the caller: the status, `Allow`, and the error code of the body. */
const gist = (result: Awaited<ReturnType<ApiHandler>>) => ({
  status: result.statusCode,
  allow: result.headers?.allow,
  code: (JSON.parse(result.body ?? '{}') as { error?: { code?: string } }).error?.code,
});

/** Local mode answers an unmatched request with the one handler over every route, as `$default`. */
const localHandler = createApiHandler(routes, () => {
  throw new Error('an unmatched request needs no dependencies');
});

/** Each family's deployed handler: the module CDK bundles for that family's function. */
async function familyHandlers(): Promise<Record<RouteFamily, ApiHandler>> {
  const families = Object.keys(familyEntries) as RouteFamily[];
  const modules = await Promise.all(
    families.map(
      (family) =>
        import(pathToFileURL(path.join(repoRoot, familyEntries[family])).href) as Promise<{
          handler: ApiHandler;
        }>,
    ),
  );
  return Object.fromEntries(families.map((family, i) => [family, modules[i]!.handler])) as Record<
    RouteFamily,
    ApiHandler
  >;
}

/** Asserts that every unmatched request gets, through the API's routes and functions, local mode's answer. */
async function expectLocalAnswers(synth: Synthesized, apiLogicalId: string): Promise<void> {
  const built = routesOf(synth, apiLogicalId);
  const handlers = await familyHandlers();
  const keys = [...built.keys()];
  const differences: string[] = [];
  const statuses: (number | undefined)[] = [];
  for (const request of unmatchedRequests) {
    const local = gist(await localHandler(apiEvent('$default', request.method, request.path)));
    statuses.push(local.status);
    const key = selectRoute(keys, request.method, request.path);
    const family = key === undefined ? undefined : built.get(key)?.family;
    const aws = family
      ? gist(await handlers[family](apiEvent(key!, request.method, request.path)))
      : { status: 404, allow: undefined, code: undefined };
    if (JSON.stringify(aws) !== JSON.stringify(local)) {
      differences.push(
        `${request.method} ${request.path}: local ${JSON.stringify(local)}, AWS (${key ?? 'API Gateway'}) ${JSON.stringify(aws)}`,
      );
    }
  }
  // Not vacuous: local mode answers both ways among these requests.
  expect(new Set(statuses)).toEqual(new Set([404, 405]));
  expect(differences).toEqual([]);
}

/** The unmatched-request routes of one API: `ANY <path>` and `$default`, with the family each reaches. */
function unmatchedRoutesOf(synth: Synthesized, apiLogicalId: string) {
  return [...routesOf(synth, apiLogicalId).entries()].filter(
    ([key]) => !tableKeys.has(key) && !consoleKeys.has(key),
  );
}

describe('SecretmApi without an authorizer (API keys)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      layer: { assetPath: fixtureLayerPath },
      api: { throttle: { rateLimit: 25, burstLimit: 60 } },
      logRetentionDays: 30,
    });
  });
  afterAll(() => synth?.dispose());

  it('has every route of the route table, each on its family’s function with no authorizer', () => {
    const built = routesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi));

    expect([...built.keys()].filter((key) => tableKeys.has(key)).sort()).toEqual([...tableKeys].sort());
    for (const route of routes) {
      const { family, route: resource } = built.get(`${route.method} ${route.path}`)!;
      expect(family, `${route.method} ${route.path}`).toBe(route.family);
      expect(resource.Properties.AuthorizationType).toBe('NONE');
      expect(resource.Properties.AuthorizerId).toBeUndefined();
    }
  });

  it('sends what matches no path to the system function with $default, and a method a path lacks to that path’s family, with no authorizer', () => {
    const unmatched = unmatchedRoutesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi));
    const paths = new Map(routes.map((route) => [route.path, route.family]));

    expect(unmatched.find(([key]) => key === '$default')?.[1].family).toBe('system');
    for (const [key, { family, route }] of unmatched) {
      expect(route.Properties.AuthorizationType, key).toBe('NONE');
      if (key === '$default') continue;
      const [method, template] = key.split(' ');
      expect(method, key).toBe('ANY');
      expect(family, key).toBe(paths.get(template!));
    }
    // No ANY route is more literal than a route of the table it overlaps, so a request a table route
    // serves in local mode is never taken by an ANY route, whatever API Gateway's precedence between them.
    for (const [key] of unmatched) {
      const template = key.split(' ')[1];
      if (!template) continue;
      for (const route of routes)
        expect(moreLiteral(template, route.path), `${key} over ${route.path}`).toBe(false);
    }
  });

  it('answers every request no route of the table matches as local mode does: 405 with Allow, or 404', async () => {
    await expectLocalAnswers(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi));
  });

  it('builds one HTTP API and no authorizer', () => {
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it('throttles the stage as configured and writes access logs with the configured retention', () => {
    const accessLogs = logicalId(synth.stack, synth.stack.secretm.api.accessLogs);
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 60 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [accessLogs, 'Arn'] } },
    });
    expect(resourcesOf(synth.template, 'AWS::Logs::LogGroup')[accessLogs]?.Properties.RetentionInDays).toBe(
      30,
    );
  });

  it('gives each function one invoke permission per API, not one per route', () => {
    const permissions = Object.values(resourcesOf(synth.template, 'AWS::Lambda::Permission'));

    // And one for the console's function.
    expect(permissions).toHaveLength(new Set(routes.map((route) => route.family)).size + 1);
  });

  it('leaves the JWT tenant claim to the functions’ default', () => {
    for (const fn of Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.SECRETM_JWT_TENANT_CLAIM).toBeUndefined();
    }
  });
});

describe('SecretmApi with a JWT authorizer', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, auth: jwt });
  });
  afterAll(() => synth?.dispose());

  it('guards every scoped route with the JWT authorizer and leaves public routes open', () => {
    const authorizer = Object.keys(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Authorizer'))[0]!;
    const built = routesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi));

    expect([...built.keys()].filter((key) => tableKeys.has(key))).toHaveLength(routes.length);
    for (const route of routes) {
      const { family, route: resource } = built.get(`${route.method} ${route.path}`)!;
      expect(family).toBe(route.family);
      if (route.scope) {
        expect(resource.Properties, `${route.method} ${route.path}`).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: authorizer },
        });
      } else {
        expect(resource.Properties.AuthorizationType, `${route.method} ${route.path}`).toBe('NONE');
      }
    }
  });

  it('serves GET /v1/costs from the costs function, behind the authorizer', () => {
    const authorizer = Object.keys(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Authorizer'))[0]!;
    const costs = routesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi)).get(
      'GET /v1/costs',
    );

    expect(costs?.family).toBe('costs');
    expect(costs?.route.Properties).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizer },
    });
  });

  it('configures the authorizer with the issuer, the audiences and the identity source', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: jwt.issuer, Audience: jwt.audience },
    });
  });

  it('serves API keys on a second API with the same routes and no authorizer', () => {
    const keyApi = synth.stack.secretm.apiKeyApi;
    expect(keyApi).toBeDefined();
    const built = routesOf(synth, logicalId(synth.stack, keyApi!.httpApi));

    expect([...built.keys()].filter((key) => tableKeys.has(key)).sort()).toEqual([...tableKeys].sort());
    for (const { route } of built.values()) expect(route.Properties.AuthorizationType).toBe('NONE');
    synth.template.hasOutput('ApiKeyApiUrl', Match.anyValue());
  });

  it('answers unmatched requests on both APIs as local mode does, without the authorizer', async () => {
    const { api, apiKeyApi } = synth.stack.secretm;
    for (const httpApi of [api.httpApi, apiKeyApi!.httpApi]) {
      const apiId = logicalId(synth.stack, httpApi);
      for (const [key, { route }] of unmatchedRoutesOf(synth, apiId)) {
        expect(route.Properties.AuthorizationType, key).toBe('NONE');
      }
      await expectLocalAnswers(synth, apiId);
    }
  });

  it('tells the functions which claim holds the tenant', () => {
    // The console's function reads no request's identity: it serves files (secretm-console.test.ts).
    const consoleFn = logicalId(synth.stack, synth.stack.secretm.console!.site.function.function);
    for (const [id, fn] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
      if (id === consoleFn) continue;
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { SECRETM_JWT_TENANT_CLAIM: 'custom:tenant' },
      });
    }
  });
});

describe('SecretmApi with a JWT authorizer and no API-key endpoint', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, auth: { ...jwt, apiKeyEndpoint: false } });
  });
  afterAll(() => synth?.dispose());

  it('builds only the JWT API', () => {
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    expect(synth.stack.secretm.apiKeyApi).toBeUndefined();
    expect(Object.keys(synth.template.findOutputs('ApiKeyApiUrl'))).toEqual([]);
  });
});
