import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleHandler } from '../../../functions/console/console-handler.ts';
import { consoleCsp } from '../../../functions/console/console-site.ts';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { familyEntries } from '../../../functions/routes.ts';
import { fixtureLayerPath, logicalId, resourcesOf, type Synthesized, synthesize } from '../synthesize.ts';

const families = Object.keys(familyEntries) as RouteFamily[];
const bannerStart = "import{createRequire as __secretmCreateRequire}from'node:module';";

describe('SecretmFunction, bundled', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, logRetentionDays: 14 }, { bundle: true });
  }, 240_000);
  afterAll(() => synth?.dispose());

  const functionOf = (family: RouteFamily) => {
    const id = logicalId(synth.stack, synth.stack.secretm.functions[family].function);
    return resourcesOf(synth.template, 'AWS::Lambda::Function')[id]!;
  };

  it('makes one function per route family, the two rotation functions, the cost roll-up, the audit digests, the layout migration, the console, and no other', () => {
    synth.template.resourceCountIs('AWS::Lambda::Function', families.length + 6);
    for (const family of families) expect(functionOf(family), family).toBeDefined();
  });

  it('runs every function on nodejs24.x and arm64', () => {
    for (const fn of Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('gives every function its own log group with the configured retention', () => {
    const logGroups = resourcesOf(synth.template, 'AWS::Logs::LogGroup');
    for (const family of families) {
      const group = logicalId(synth.stack, synth.stack.secretm.functions[family].logGroup);
      expect(functionOf(family).Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: group } });
      expect(logGroups[group]?.Properties.RetentionInDays).toBe(14);
    }
  });

  it('hands every function the table name and the audit retention', () => {
    const table = logicalId(synth.stack, synth.stack.secretm.data.table);
    for (const family of families) {
      expect(functionOf(family).Properties.Environment).toMatchObject({
        Variables: { SECRETM_TABLE_NAME: { Ref: table }, SECRETM_AUDIT_RETENTION_DAYS: '400' },
      });
    }
  });

  it('uses roles without AWS managed policies', () => {
    for (const role of Object.values(resourcesOf(synth.template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('bundles each family into minified ES modules with a source map and the AWS SDK inside, split into chunks loaded on first need', () => {
    for (const family of families) {
      const s3Key = (functionOf(family).Properties.Code as { S3Key: string }).S3Key;
      const asset = path.join(synth.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
      expect(functionOf(family).Properties.Handler, family).toBe('index.handler');
      const code = readFileSync(path.join(asset, 'index.mjs'), 'utf8');
      const chunks = readdirSync(path.join(asset, 'chunks')).filter((file) => file.endsWith('.mjs'));
      expect(chunks.length, `${family}: chunks`).toBeGreaterThan(0);

      // Booleans, so a failure names the family instead of printing a megabyte of code.
      expect(existsSync(path.join(asset, 'index.mjs.map')), `${family}: source map`).toBe(true);
      expect(/export\{[^}]*?[\w$]+ as handler\b[^}]*\}/.test(code), `${family}: ESM export of handler`).toBe(
        true,
      );
      for (const [name, text] of [
        ['index.mjs', code],
        ...chunks.map((file) => [file, readFileSync(path.join(asset, 'chunks', file), 'utf8')]),
      ] as [string, string][]) {
        expect(text.startsWith(bannerStart), `${family} ${name}: createRequire banner`).toBe(true);
        // Nothing is left for the runtime to provide: no import of an @aws-sdk or @smithy package.
        expect(
          /(from|import\()\s*["'](@aws-sdk|@smithy)\//.test(text),
          `${family} ${name}: external AWS SDK`,
        ).toBe(false);
      }
      // Minified: a few very long lines.
      expect(code.split('\n').length < code.length / 1000, `${family}: minified`).toBe(true);
    }
  });

  it('bundles the console function with the console build beside it, which its handler serves', async () => {
    const fn = synth.stack.secretm.console!.site.function.function;
    const code = resourcesOf(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack, fn)]!.Properties
      .Code as { S3Key: string };
    const asset = path.join(synth.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    const assets = readdirSync(path.join(asset, 'console', 'assets'));
    const script = assets.find((name) => /^index-[\w-]+\.js$/.test(name))!;
    const { handler } = (await import(pathToFileURL(path.join(asset, 'index.mjs')).href)) as {
      handler: ConsoleHandler;
    };
    const request = (routeKey: string, rawPath: string, headers: Record<string, string> = {}) => {
      const [method] = routeKey.split(' ');
      return {
        version: '2.0',
        routeKey,
        rawPath,
        rawQueryString: '',
        headers,
        requestContext: {
          accountId: '123456789012',
          apiId: 'api',
          domainName: 'api.example',
          domainPrefix: 'api',
          http: {
            method: method!,
            path: rawPath,
            protocol: 'HTTP/1.1',
            sourceIp: '198.51.100.7',
            userAgent: 'test',
          },
          requestId: randomUUID(),
          routeKey,
          stage: '$default',
          time: new Date().toISOString(),
          timeEpoch: Date.now(),
        },
        isBase64Encoded: false,
      };
    };

    const index = await handler(request('GET /', '/'));
    const js = await handler(request('GET /assets/{file}', `/assets/${script}`, { 'accept-encoding': 'br' }));

    expect(existsSync(path.join(asset, 'console', 'index.html'))).toBe(true);
    expect(assets).toContain(`${script}.br`);
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain(`/assets/${script}`);
    expect(index.headers?.['content-security-policy']).toBe(consoleCsp);
    expect(js.statusCode).toBe(200);
    expect(js.headers?.['content-encoding']).toBe('br');
    expect(
      brotliDecompressSync(Buffer.from(js.body!, 'base64')).equals(
        readFileSync(path.join(asset, 'console', 'assets', script)),
      ),
    ).toBe(true);
    // The console's package holds the console, not the API: it is small.
    expect(readFileSync(path.join(asset, 'index.mjs')).length).toBeLessThan(64 * 1024);
  });
});
