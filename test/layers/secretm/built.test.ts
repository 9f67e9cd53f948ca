/**
 * The layer as shipped: `npm run build:layer`'s folder, imported from its built files (not the
 * sources), reading a secret from moto, loading only the AWS chunk, with types a consumer compiles.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsSecret, credentials, region } from './layer-fixtures.ts';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const distDir = join(repoRoot, 'layers', 'secretm', 'dist');
const packageDir = join(distDir, 'nodejs', 'node_modules', 'secretm');

/** The command of `npm run build:layer`, as package.json declares it. */
async function buildCommand(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return manifest.scripts['build:layer']!.split(' ');
}

/**
 * Reads `name` with the default client of a built entry point in a fresh `node` (AWS_REGION and the
 * moto endpoint set, plus `env`): the value, the built files it loaded, whether any of them holds an
 * AWS SDK client (every one names itself `aws-sdk-js` in its user-agent), and whether any holds zod (its
 * classes name themselves `$ZodType`, …, in strings minifying keeps).
 */
async function readInFreshProcess(
  entry: string,
  name: string,
  env: Record<string, string>,
): Promise<{ value: unknown; chunks: string[]; sdkLoaded: boolean; zodLoaded: boolean }> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { getSecret } = await import(${JSON.stringify(pathToFileURL(join(packageDir, entry)).href)});
    const value = await getSecret(${JSON.stringify(name)});
    const base = ${JSON.stringify(`${pathToFileURL(packageDir).href}/`)};
    const chunks = loaded.filter((url) => url.startsWith(base)).map((url) => url.slice(base.length));
    process.stdout.write(JSON.stringify({ value, chunks }));
  `;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: region,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: inject('motoEndpoint'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  const { value, chunks } = JSON.parse(stdout) as { value: unknown; chunks: string[] };
  const contents = await Promise.all(chunks.map((chunk) => readFile(join(packageDir, chunk), 'utf8')));
  return {
    value,
    chunks,
    sdkLoaded: contents.some((content) => content.includes('aws-sdk-js')),
    zodLoaded: contents.some((content) => content.includes('$ZodType')),
  };
}

beforeAll(async () => {
  const [command, ...args] = await buildCommand();
  expect(command).toBe('node');
  await execFileAsync(process.execPath, args, { cwd: repoRoot });
}, 120_000);

describe('the built layer', () => {
  it('is a zip-ready folder: nodejs/node_modules/secretm with its code, types and package.json, nothing else', async () => {
    const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));

    expect(await readdir(distDir)).toEqual(['nodejs']);
    expect(existsSync(join(packageDir, 'index.js'))).toBe(true);
    expect(existsSync(join(packageDir, 'index.d.ts'))).toBe(true);
    expect(manifest).toMatchObject({
      name: 'secretm',
      type: 'module',
      types: './index.d.ts',
      exports: { '.': { types: './index.d.ts', default: './index.js' } },
    });
  });

  it('holds no zod (the API validation library, some 440 KiB minified) in any file: no read, binding or vault of the layer loads it', async () => {
    const files = (await readdir(packageDir, { recursive: true })).filter((file) => file.endsWith('.js'));
    const contents = await Promise.all(files.map((file) => readFile(join(packageDir, file), 'utf8')));

    expect(files.some((file) => file.startsWith('chunks/azure-'))).toBe(true);
    expect(files.filter((_, i) => contents[i]!.includes('$ZodType'))).toEqual([]);
  });

  it('reads a secret through the built files', async () => {
    const { name } = await createAwsSecret('{"password":"built"}');
    const built = await import(pathToFileURL(join(packageDir, 'index.js')).href);

    const secretm = built.createSecretm({ aws: { region, endpoint: inject('motoEndpoint'), credentials } });
    const password = await secretm.getSecret(name, { key: 'password' });
    const missing = await secretm.getSecret(`${name}-absent`).catch((error: Error) => error);

    expect(password).toBe('built');
    expect(missing).toBeInstanceOf(built.NotFoundError);
    expect(missing.name).toBe('NotFoundError');
  });

  it('reads with the default client from the environment, in a fresh process, loading the AWS chunk only, no AWS SDK and no zod', async () => {
    const { name } = await createAwsSecret('from-env');

    const { value, chunks, sdkLoaded, zodLoaded } = await readInFreshProcess('index.js', name, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });

    expect(value).toBe('from-env');
    expect(chunks).toContain('index.js');
    expect(chunks.some((chunk) => chunk.startsWith('chunks/aws-'))).toBe(true);
    expect(chunks.filter((chunk) => /^chunks\/(azure|vault|local|table)-/.test(chunk))).toEqual([]);
    expect(sdkLoaded).toBe(false);
    expect(zodLoaded).toBe(false);
  });

  it('reads a secret signed by the layer through secretm/aws, loading neither the AWS SDK nor zod (the API validation library)', async () => {
    const { name } = await createAwsSecret('signed-aws-only');

    const { value, chunks, sdkLoaded, zodLoaded } = await readInFreshProcess('aws.js', name, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });

    expect(value).toBe('signed-aws-only');
    expect(chunks).toContain('aws.js');
    expect(chunks.filter((chunk) => chunk.startsWith('chunks/aws-secrets-manager-'))).toEqual([]);
    expect(sdkLoaded).toBe(false);
    expect(zodLoaded).toBe(false);
  });

  it('reads through the AWS SDK, loaded then, when the credentials come from a profile (secretm/aws)', async () => {
    const { name } = await createAwsSecret('from-profile');
    const home = await mkdtemp(join(tmpdir(), 'secretm-profile-'));
    try {
      const credentialsFile = join(home, 'credentials');
      await writeFile(
        credentialsFile,
        `[default]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
      );

      const { value, chunks, sdkLoaded } = await readInFreshProcess('aws.js', name, {
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        AWS_CONFIG_FILE: join(home, 'config'),
      });

      expect(value).toBe('from-profile');
      expect(chunks).toContain('aws.js');
      expect(chunks.some((chunk) => chunk.startsWith('chunks/aws-secrets-manager-'))).toBe(true);
      expect(sdkLoaded).toBe(true);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('ships types a TypeScript consumer compiles against, and that catch a wrong call', async () => {
    const consumerDir = await mkdtemp(join(tmpdir(), 'secretm-consumer-'));
    try {
      await mkdir(join(consumerDir, 'node_modules'));
      await symlink(packageDir, join(consumerDir, 'node_modules', 'secretm'), 'dir');
      await writeFile(join(consumerDir, 'package.json'), '{"type":"module"}');
      const consumer = join(consumerDir, 'handler.ts');
      await writeFile(
        consumer,
        `import { getSecret, getSecrets, invalidate, render, resolveBinding, secretsMiddleware, ProviderUnavailableError, type ResolvedFile } from 'secretm';
export async function handler(): Promise<string> {
  const password: string = await getSecret('prod-db', { key: 'password' });
  const files: ResolvedFile[] = (await resolveBinding('orders')).files;
  const all: unknown[] = await getSecrets(['a', { name: 'b', transform: 'json' }]);
  const middleware = secretsMiddleware({ fetch: { db: 'prod-db' } });
  invalidate('prod-db');
  // @ts-expect-error a secret is named by a string
  await getSecret(42);
  void middleware;
  void ProviderUnavailableError;
  return password + all.length + files.length + (await render('{{secrets.a.b}}'));
}
`,
      );
      const program = ts.createProgram([consumer], {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2024.d.ts'],
        types: ['node'],
        typeRoots: [join(repoRoot, 'node_modules', '@types')],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      });

      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));

      expect(diagnostics).toEqual([]);
    } finally {
      await rm(consumerDir, { recursive: true, force: true });
    }
  }, 60_000);
});
