import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { routes } from '../../../functions/routes.ts';
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

  it('has every route of the route table, and no other, each on its family’s function with no authorizer', () => {
    const built = routesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi));

    expect([...built.keys()].sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    for (const route of routes) {
      const { family, route: resource } = built.get(`${route.method} ${route.path}`)!;
      expect(family, `${route.method} ${route.path}`).toBe(route.family);
      expect(resource.Properties.AuthorizationType).toBe('NONE');
      expect(resource.Properties.AuthorizerId).toBeUndefined();
    }
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

    expect(permissions).toHaveLength(new Set(routes.map((route) => route.family)).size);
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

    expect(built.size).toBe(routes.length);
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

    expect([...built.keys()].sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    for (const { route } of built.values()) expect(route.Properties.AuthorizationType).toBe('NONE');
    synth.template.hasOutput('ApiKeyApiUrl', Match.anyValue());
  });

  it('tells the functions which claim holds the tenant', () => {
    for (const fn of Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
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
