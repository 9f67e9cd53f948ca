/**
 * The layer's bindings and templates over the fixtures the API's tests read too
 * (test/bindings/binding-fixtures.ts): secrets and the binding written by secretm's own services
 * (DynamoDB Local for metadata, the local vault for values), read by the layer through the table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSecretm } from '../../../layers/secretm/src/index.ts';
import type { RequestContext } from '../../../shared/auth/principal.ts';
import { createBindingService } from '../../../shared/bindings/binding-service.ts';
import { ConflictError, UnprocessableError } from '../../../shared/errors.ts';
import { createLocalVault } from '../../../shared/providers/local.ts';
import { createSecretBody } from '../../../shared/secrets/secret-schemas.ts';
import { createSecretService } from '../../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../../shared/store/audit-store.ts';
import { createBindingStore } from '../../../shared/store/binding-store.ts';
import { createSecretStore } from '../../../shared/store/secret-store.ts';
import {
  fixtureBinding,
  fixtureGone,
  fixtureResolved,
  fixtureSecrets,
  fixtureService,
  fixtureTemplate,
} from '../../bindings/binding-fixtures.ts';
import { createTestTable, type TestTable } from '../../servers/dynamodb.ts';
import { credentials, region, rejectionOf } from './layer-fixtures.ts';

const tenant = 'acme';
const ctx: RequestContext = {
  principal: {
    tenant,
    actor: 'apikey:test',
    scopes: new Set(['read', 'reveal', 'write', 'admin']),
    operator: false,
  },
  requestId: 'req-layer-bindings',
  sourceIp: '127.0.0.1',
};

let table: TestTable;
let vaultDir: string;

beforeAll(async () => {
  table = await createTestTable();
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-layer-bindings-'));
  const vault = createLocalVault({ dir: vaultDir });
  const deps = { client: table.documentClient, tableName: table.tableName };
  const clock = { now: () => new Date() };
  const secrets = createSecretService({
    store: createSecretStore(deps),
    audit: createAuditStore(deps),
    providers: async () => vault,
    defaultConnection: 'local',
  });
  for (const body of fixtureSecrets) await secrets.create(ctx, createSecretBody.parse(body));
  const bindings = createBindingService({ store: createBindingStore(deps), secrets, clock });
  await bindings.put(ctx, fixtureService, fixtureBinding);
  await secrets.create(ctx, createSecretBody.parse(fixtureGone.secret));
  await bindings.put(ctx, fixtureGone.service, {
    entries: fixtureGone.binding.entries.map((entry) => ({ ...entry })),
  });
  await secrets.remove(ctx, fixtureGone.secret.name, { force: true });
});

afterAll(async () => {
  await rm(vaultDir, { recursive: true, force: true });
});

function layer() {
  return createSecretm({
    tableName: table.tableName,
    tenant,
    dynamodb: { region, endpoint: inject('dynamodbEndpoint'), credentials },
    localVaultDir: vaultDir,
    timeoutMs: 2_000,
  });
}

describe('bindings, as the API resolves them', () => {
  it('answers the binding’s environment, leaving its files to resolveBinding', async () => {
    expect(await layer().getBinding(fixtureService)).toEqual(fixtureResolved.env);
  });

  it('resolves the environment and the files exactly as the API does', async () => {
    expect(await layer().resolveBinding(fixtureService)).toEqual(fixtureResolved);
  });

  it('refuses a binding whose secret has gone since it was saved, as the API does', async () => {
    const error = await rejectionOf(layer().resolveBinding(fixtureGone.service));

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(fixtureGone.message);
  });
});

describe('templates, as the API renders them', () => {
  it('renders a base64 file as the text it holds, and refuses bytes that are not text', async () => {
    const secretm = layer();

    const rendered = await secretm.render(fixtureTemplate.template);
    const binary = await rejectionOf(secretm.render(fixtureTemplate.binary));

    expect(rendered).toBe(fixtureTemplate.rendered);
    expect(binary).toBeInstanceOf(UnprocessableError);
    expect((binary as Error).message).toMatch(/binary/);
  });
});
