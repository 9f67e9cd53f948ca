/** The edge shapes of `GET /v1/audit` and `GET /v1/audit/verify`: their queries, and their answers for the OpenAPI document. */
import * as z from 'zod';
import { secretName, tenantId } from '../validation/names.ts';

const time = z.iso.datetime({ offset: true });
const forTenant = tenantId.optional().describe('The operator key only: the tenant whose audit to read');

export const auditListQuery = z.strictObject({
  from: time.optional().describe('Events at or after this time (ISO 8601)'),
  to: time.optional().describe('Events at or before this time (ISO 8601)'),
  actor: z.string().min(1).max(256).optional().describe('e.g. apikey:<id>, jwt:<sub>, operator'),
  action: z.string().min(1).max(128).optional().describe('e.g. secret.reveal'),
  secret: secretName.optional().describe('Events whose target is this secret'),
  outcome: z.enum(['success', 'failure']).optional(),
  requestId: z.string().min(1).max(256).optional(),
  tenant: forTenant,
  format: z.enum(['json', 'csv', 'jsonl']).default('json'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2048).optional(),
});

export const auditVerifyQuery = z.strictObject({
  from: time.optional().describe('Default: when the tenant’s audit was sealed'),
  to: time.optional().describe('Default: now'),
  tenant: forTenant,
  cursor: z.string().max(2048).optional(),
});

export const auditEventSchema = z.object({
  id: z.string().describe('Unique, ordered by time'),
  at: z.string(),
  tenant: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['success', 'failure']),
  reason: z.string().optional().describe('The error code of a failure'),
  requestId: z.string(),
  sourceIp: z.string(),
  userAgent: z.string().optional(),
  hmac: z.string().optional().describe('HMAC-SHA256 under the tenant’s audit key (base64url)'),
});

export const auditPageSchema = z.object({
  tenant: z.string(),
  items: z.array(auditEventSchema),
  cursor: z.string().optional().describe('Present when more may follow: pass it back for the next page'),
});

const problemSchema = z.object({
  kind: z.enum(['altered', 'removed', 'inserted', 'altered-or-inserted', 'digest-altered', 'digest-removed']),
  at: z.string(),
  requestId: z.string().optional(),
  action: z.string().optional(),
  id: z.string().optional(),
  message: z.string(),
});

export const auditVerificationSchema = z.object({
  tenant: z.string(),
  from: z.string(),
  to: z.string(),
  intact: z.boolean().describe('Nothing found wrong in what was checked'),
  complete: z.boolean().describe('False when the range goes on past this answer: pass cursor back'),
  cursor: z.string().optional(),
  sealedSince: z.string().optional(),
  digestedThrough: z.string().optional(),
  checked: z.object({
    events: z.number().int(),
    digests: z.number().int(),
    hmacOnly: z.number().int(),
    unsealed: z.number().int(),
    expired: z.number().int(),
  }),
  firstProblem: problemSchema.optional(),
  problems: z.number().int(),
  notes: z.array(z.string()),
});
