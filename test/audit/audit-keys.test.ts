/**
 * Each tenant's audit key in the system vault (the local vault here): made on first write, with the
 * tenant put in the registry first, the same key for writers that race to make it, never made by a
 * reader, and a key that cannot be read fails writes closed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditKeysOptions, createAuditKeys } from '../../shared/audit/audit-keys.ts';
import { AuditUnavailableError } from '../../shared/errors.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { listTenants, registerTenant } from '../../shared/store/tenant-registry.ts';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { freshTenant, rejectionOf } from '../store/store-fixtures.ts';

const namespace = vaultNamespace('local');
const clock = { now: () => new Date('2026-05-01T10:15:00.000Z') };
let table: TestTable;
let dir: string;
let vault: SecretProvider;

beforeAll(async () => {
  table = await createTestTable();
  dir = await mkdtemp(join(tmpdir(), 'secretm-audit-keys-'));
  vault = createLocalVault({ dir, clock, namePrefix: namespace.stagePrefix });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const store = () => ({ client: table.documentClient, tableName: table.tableName });
const writer = (options: Partial<AuditKeysOptions> = {}) =>
  createAuditKeys({
    vault: () => vault,
    ref: namespace.auditKeyRef,
    create: { register: (tenant) => registerTenant(store(), tenant), clock },
    ...options,
  });
const reader = () => createAuditKeys({ vault: () => vault, ref: namespace.auditKeyRef });

async function registered(): Promise<string[]> {
  const tenants: string[] = [];
  for await (const tenant of listTenants(store())) tenants.push(tenant);
  return tenants;
}

describe('audit keys', () => {
  it('makes a tenant’s key on its first write, in the system vault, and registers the tenant for the digests', async () => {
    // Prepare
    const tenant = freshTenant();

    // Act
    const key = await writer().forWriting(tenant);

    // Assess
    expect(key).toMatchObject({ tenant, createdAt: '2026-05-01T10:15:00.000Z' });
    expect(key.secret).toHaveLength(32);
    expect(await registered()).toContain(tenant);
    const stored = await vault.get(`secretm/local/_system/tenants/${tenant}/audit-key`, { kind: 'map' });
    expect(stored.payload).toMatchObject({ kind: 'map', data: { algorithm: 'HMAC-SHA256' } });
    // The key is in the vault only, never in the table.
    const { Items } = await table.documentClient.send(new ScanCommand({ TableName: table.tableName }));
    expect(JSON.stringify(Items)).not.toContain(key.secret.toString('base64'));
  });

  it('gives writers that race to make it one key', async () => {
    // Prepare: two instances, neither of which has seen the key.
    const tenant = freshTenant();

    // Act
    const [a, b] = await Promise.all([writer().forWriting(tenant), writer().forWriting(tenant)]);

    // Assess
    expect(a.secret.equals(b.secret)).toBe(true);
    expect((await reader().find(tenant))?.secret.equals(a.secret)).toBe(true);
  });

  it('never makes a key for a reader', async () => {
    // Prepare
    const tenant = freshTenant();

    // Act
    const found = await reader().find(tenant);
    const writing = await rejectionOf(reader().forWriting(tenant));

    // Assess
    expect(found).toBeUndefined();
    expect(writing).toBeInstanceOf(AuditUnavailableError);
    expect(await registered()).not.toContain(tenant);
  });

  it('refuses a tenant other than its own', async () => {
    // Prepare
    const [own, other] = [freshTenant(), freshTenant()];

    // Act
    const error = await rejectionOf(writer({ only: own }).forWriting(other));

    // Assess
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect(await reader().find(other)).toBeUndefined();
  });

  it('fails writes closed when the key in the vault is unreadable', async () => {
    // Prepare
    const tenant = freshTenant();
    await vault.create(namespace.auditKeyRef(tenant), {
      kind: 'map',
      data: { algorithm: 'HMAC-SHA256', key: 'c2hvcnQ=' },
    });

    // Act
    const error = await rejectionOf(writer().forWriting(tenant));

    // Assess
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect((error as Error).message).not.toContain('c2hvcnQ');
  });
});
