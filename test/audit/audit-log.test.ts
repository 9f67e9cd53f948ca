/**
 * Reading the audit needs `admin` over the whole tenant: a principal whose access rules cover only
 * some secrets or connections may not read what every other key did, whatever its scopes; a rule
 * over every secret (`**`) does. Each read is itself an event of the audit read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type AccessRule, compileRules } from '../../shared/access/rules.ts';
import { createAuditLog } from '../../shared/audit/audit-log.ts';
import type { Principal, RequestContext } from '../../shared/auth/principal.ts';
import { ForbiddenError } from '../../shared/errors.ts';
import { createAuditDigestStore } from '../../shared/store/audit-digest-store.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { freshTenant, rejectionOf } from '../store/store-fixtures.ts';
import { fixedKeys } from './audit-fixtures.ts';

let table: TestTable;
const clock = { now: () => new Date('2026-05-01T10:00:00.000Z') };

beforeAll(async () => {
  table = await createTestTable();
});

function logOf(tenant: string) {
  const deps = {
    client: table.documentClient,
    tableName: table.tableName,
    auditKeys: fixedKeys('2026-05-01T00:00:00.000Z'),
  };
  return createAuditLog({
    tenant,
    store: createAuditStore(deps),
    digests: createAuditDigestStore(deps),
    keys: deps.auditKeys,
    clock,
  });
}

function request(tenant: string, rules?: AccessRule[]): RequestContext {
  const principal: Principal = {
    tenant,
    actor: 'apikey:k1',
    scopes: new Set(['read', 'admin']),
    operator: false,
    ...(rules ? { rules: { list: rules, compiled: compileRules(rules) } } : {}),
  };
  return { principal, requestId: `req-${Math.random()}`, sourceIp: '192.0.2.1' };
}

describe('reading the audit under access rules', () => {
  it('refuses a principal whose rules cover part of the tenant, for events and verify alike', async () => {
    // Prepare
    const tenant = freshTenant();
    const ctx = request(tenant, [{ actions: ['admin', 'read'], secrets: ['payments/**'], effect: 'allow' }]);

    // Act
    const errors = [
      await rejectionOf(logOf(tenant).events(ctx, { limit: 10 })),
      await rejectionOf(logOf(tenant).verify(ctx, {})),
    ];

    // Assess
    expect(errors.every((error) => error instanceof ForbiddenError)).toBe(true);
  });

  it('answers a principal whose rules allow admin on every secret, and records each read in the audit', async () => {
    // Prepare
    const tenant = freshTenant();
    const ctx = request(tenant, [{ actions: ['admin'], secrets: ['**'], effect: 'allow' }]);

    // Act
    await logOf(tenant).events(ctx, { limit: 10 });
    await logOf(tenant).verify(ctx, {});
    const page = await logOf(tenant).events(request(tenant), { limit: 10 });

    // Assess
    expect(page.items.map((event) => [event.action, event.requestId]).sort()).toEqual([
      ['audit.read', ctx.requestId],
      ['audit.verify', ctx.requestId],
    ]);
  });
});
