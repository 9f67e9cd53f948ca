/**
 * The web console in AWS: `GET`/`HEAD` `/` and `/assets/{file}` on the API that takes API keys, with no
 * authorizer, on a function of its own whose role reaches no data; cdk-nag passes; the stack names the
 * console's URL. (The bundled package, with the console build inside it, is checked in
 * secretm-function.test.ts, which bundles.)
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../../functions/console/console-site.ts';
import { SecretmConfigError } from '../../../infra/config.ts';
import {
  asArray,
  fixtureLayerPath,
  logicalId,
  type Resource,
  resourcesOf,
  type Synthesized,
  statementsOf,
  synthesize,
} from '../synthesize.ts';

const jwt = {
  mode: 'jwt' as const,
  issuer: 'https://login.example.com/tenant-pool',
  audience: ['secretm-api'],
};
const layer = { assetPath: fixtureLayerPath };
const consoleKeys = consoleRoutes.map(({ method, path }) => `${method} ${path}`).sort();

/** The routes of one API, by route key, with the Lambda function (logical id) each is integrated with. */
function routesOf(synth: Synthesized, apiId: string): Map<string, { fn: string; route: Resource }> {
  const integrations = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Integration');
  const found = new Map<string, { fn: string; route: Resource }>();
  for (const route of Object.values(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route'))) {
    if ((route.Properties.ApiId as { Ref: string }).Ref !== apiId) continue;
    const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
    const integration = integrations[target['Fn::Join'][1][1].Ref]!;
    const uri = integration.Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] };
    found.set(route.Properties.RouteKey as string, { fn: uri['Fn::GetAtt'][0], route });
  }
  return found;
}

const consoleRoutesOf = (synth: Synthesized, apiId: string) =>
  [...routesOf(synth, apiId).entries()].filter(([key]) => consoleKeys.includes(key));

describe('the console with API keys (the default)', () => {
  let synth: Synthesized;
  let consoleFn: string;
  beforeAll(() => {
    synth = synthesize({ layer });
    consoleFn = logicalId(synth.stack, synth.stack.secretm.console!.site.function.function);
  });
  afterAll(() => synth?.dispose());

  it('serves GET and HEAD of / and /assets/{file} from its own function, with no authorizer', () => {
    const routes = consoleRoutesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi));

    expect(routes.map(([key]) => key).sort()).toEqual(consoleKeys);
    for (const [key, { fn, route }] of routes) {
      expect(fn, key).toBe(consoleFn);
      expect(route.Properties.AuthorizationType, key).toBe('NONE');
      expect(route.Properties.AuthorizerId, key).toBeUndefined();
    }
    // No route of the API's own families points at the console's function, nor the console's at theirs.
    const others = [...routesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi))].filter(
      ([key]) => !consoleKeys.includes(key),
    );
    for (const [key, { fn }] of others) expect(fn, key).not.toBe(consoleFn);
  });

  it('gives the function a role that may write its own log group and nothing else: no table, no key, no vault', () => {
    const fn = synth.stack.secretm.console!.site.function;
    const role = logicalId(synth.stack, fn.role);
    const logGroup = logicalId(synth.stack, fn.logGroup);
    const policies = resourcesOf(synth.template, 'AWS::IAM::Policy');
    const attached = new Set(
      Object.entries(policies)
        .filter(([, policy]) =>
          asArray(policy.Properties.Roles as unknown[]).some(
            (r) => JSON.stringify(r) === JSON.stringify({ Ref: role }),
          ),
        )
        .map(([id]) => id),
    );
    const statements = statementsOf(synth.template).filter(
      ({ policy }) => attached.has(policy) || policy === role,
    );

    expect(statements.length).toBeGreaterThan(0);
    for (const { statement } of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of asArray(statement.Action)) expect(action).toMatch(/^logs:/);
      expect(JSON.stringify(statement.Resource)).toContain(logGroup);
    }
    const roleResource = resourcesOf(synth.template, 'AWS::IAM::Role')[role]!;
    expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(roleResource.Properties.Policies).toBeUndefined();
    // Nobody grants it anything elsewhere: no other policy names the role.
    for (const [id, policy] of Object.entries(policies)) {
      if (attached.has(id)) continue;
      expect(JSON.stringify(policy.Properties.Roles ?? []), id).not.toContain(role);
    }
  });

  it('hands the function no table, no key and no role to assume, on a short leash', () => {
    const fn = resourcesOf(synth.template, 'AWS::Lambda::Function')[consoleFn]!;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(Object.keys(variables)).toEqual(['NODE_OPTIONS']);
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 5,
      ReservedConcurrentExecutions: 10,
    });
    expect(fn.Properties.VpcConfig).toBeUndefined();
  });

  it('passes cdk-nag, its public routes acknowledged with a reason', () => {
    const findings = synth.violations.filter((violation) =>
      violation.violatingConstructs.some((c) => c.constructPath.includes('/Console')),
    );

    expect(findings).toEqual([]);
  });

  it('names the console’s URL, the API’s own', () => {
    synth.template.hasOutput('ConsoleUrl', {
      Value: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([
            Match.objectLike({ Ref: logicalId(synth.stack, synth.stack.secretm.api.httpApi) }),
          ]),
        ]),
      }),
    });
  });

  it('watches the console’s function with the API functions (throttles alarm)', () => {
    const alarms = resourcesOf(synth.template, 'AWS::CloudWatch::Alarm');
    const throttles = Object.values(alarms).find((alarm) =>
      String(alarm.Properties.AlarmName).endsWith('api-throttles'),
    );

    expect(JSON.stringify(throttles?.Properties.Metrics)).toContain(consoleFn);
  });
});

describe('the console in jwt mode', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer, auth: jwt, api: { reservedConcurrency: false } });
  });
  afterAll(() => synth?.dispose());

  it('is served by the API-key API, where its sign-in works, and not by the JWT API', () => {
    const { api, apiKeyApi, console: site } = synth.stack.secretm;

    expect(site?.api).toBe(apiKeyApi);
    expect(
      consoleRoutesOf(synth, logicalId(synth.stack, apiKeyApi!.httpApi))
        .map(([key]) => key)
        .sort(),
    ).toEqual(consoleKeys);
    expect(consoleRoutesOf(synth, logicalId(synth.stack, api.httpApi))).toEqual([]);
    synth.template.hasOutput('ConsoleUrl', {
      Value: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([Match.objectLike({ Ref: logicalId(synth.stack, apiKeyApi!.httpApi) })]),
        ]),
      }),
    });
  });

  it('reserves no concurrency for it when the API functions reserve none', () => {
    const fn = resourcesOf(synth.template, 'AWS::Lambda::Function')[
      logicalId(synth.stack, synth.stack.secretm.console!.site.function.function)
    ]!;

    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('without the console', () => {
  it('leaves it out with console: false, and in jwt mode without the API-key API', () => {
    for (const config of [
      { layer, console: false },
      { layer, auth: { ...jwt, apiKeyEndpoint: false } },
    ]) {
      const synth = synthesize(config);
      try {
        expect(synth.stack.secretm.console).toBeUndefined();
        expect(consoleRoutesOf(synth, logicalId(synth.stack, synth.stack.secretm.api.httpApi))).toEqual([]);
        expect(Object.keys(synth.template.findOutputs('ConsoleUrl'))).toEqual([]);
      } finally {
        synth.dispose();
      }
    }
  });

  it('refuses console: true in jwt mode without the API-key API, and says what to change', () => {
    expect(() => synthesize({ layer, console: true, auth: { ...jwt, apiKeyEndpoint: false } })).toThrow(
      SecretmConfigError,
    );
    expect(() => synthesize({ layer, console: true, auth: { ...jwt, apiKeyEndpoint: false } })).toThrow(
      /console.*auth\.apiKeyEndpoint/s,
    );
  });
});
