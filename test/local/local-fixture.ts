/**
 * secretm in local mode for one test file: the real HTTP server and handlers, the local vault in a
 * temp folder, and a fresh table on the run's DynamoDB Local.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Dependencies, DependencyOverrides } from '../../functions/dependencies.ts';
import { type RunningLocal, startLocal } from '../../local/start-local.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';

export interface LocalApi {
  url: string;
  /** The operator (admin) key. */
  /** The operator (admin) key; a test that rotates it sets the new one here. */
  adminKey: string;
  tableName: string;
  dataDir: string;
  documentClient: ReturnType<typeof createDocumentClient>;
  /** The services behind the server. */
  dependencies: Dependencies;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (not JSON-encoded). */
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected freely
  json: any;
}

/** Local mode's own settings a test may change. */
export interface LocalSettings {
  /** The price table's changes (SECRETM_PRICES, JSON), for cost figures that are not all zero. */
  prices?: string;
}

export async function startLocalApi(
  overrides: DependencyOverrides = {},
  settings: LocalSettings = {},
): Promise<LocalApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'secretm-test-'));
  const tableName = `secretm-${randomUUID()}`;
  const adminKey = `test-operator-${randomBytes(16).toString('hex')}`;
  const endpoint = inject('dynamodbEndpoint');
  const documentClient = createDocumentClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const running: RunningLocal = await startLocal({
    dataDir,
    port: 0,
    bootstrapKey: adminKey,
    dynamodbEndpoint: endpoint,
    tableName,
    overrides: { client: documentClient, ...overrides },
    ...(settings.prices ? { prices: settings.prices } : {}),
  });
  const api: LocalApi = {
    url: running.url,
    adminKey,
    tableName,
    dataDir,
    documentClient,
    dependencies: running.dependencies,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? api.adminKey : options.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      const response = await fetch(`${running.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async stop() {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return api;
}
