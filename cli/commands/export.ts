/**
 * `secretm export NAME…`: secrets as one environment, the one `secretm run` would give (later names win
 * where keys repeat): dotenv (written by the same formatter the API uses), a JSON object, or a
 * Kubernetes Secret (JSON, which `kubectl apply -f -` takes). File secrets join the Kubernetes Secret
 * under their file names; dotenv and JSON hold variables only.
 */
import type { Context } from '../context.ts';
import { usageError } from '../lib/errors.ts';

interface Options {
  format: 'dotenv' | 'json' | 'k8s';
  k8sName?: string;
}

export async function run(ctx: Context, [names]: [string[]], options: Options): Promise<void> {
  const api = await ctx.api();
  const env: Record<string, string> = Object.create(null);
  const files: Record<string, string> = Object.create(null);
  for (const name of names) {
    const { body } = await api.call('getSecretValue', { params: { name } });
    if (body.file) {
      if (options.format !== 'k8s')
        throw usageError(`${name} is a file secret; only --format k8s holds files`);
      files[body.file.filename] =
        body.file.encoding === 'base64'
          ? body.file.content
          : Buffer.from(body.file.content, 'utf8').toString('base64');
    }
    for (const [key, value] of Object.entries(body.data ?? {})) {
      if (Object.hasOwn(env, key)) ctx.out.warn(`${key} of ${name} replaces the one before it`);
      env[key] = value;
    }
  }
  if (options.format === 'json' || (ctx.out.json && options.format === 'dotenv'))
    return ctx.out.data({ ...env });
  if (options.format === 'k8s') {
    const data: Record<string, string> = { ...files };
    for (const [key, value] of Object.entries(env)) data[key] = Buffer.from(value, 'utf8').toString('base64');
    return ctx.out.data({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: options.k8sName ?? kubernetesName(names[0]!) },
      data,
    });
  }
  // The API's own formatter (shared/secrets/dotenv.ts), loaded here only: it brings zod with it.
  const { formatDotenv } = await import('../../shared/secrets/dotenv.ts');
  try {
    ctx.out.write(formatDotenv(env));
  } catch (error) {
    throw usageError(`cannot write these values as dotenv: ${(error as Error).message}`, 'use --format json');
  }
}

function kubernetesName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
      .slice(0, 253) || 'secretm'
  );
}
