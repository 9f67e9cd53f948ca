/** One audited action: who did what, to what, when, from where, and how it ended. Never a value. */
export interface AuditEvent {
  tenant: string;
  actor: string;
  /** e.g. `secret.create`, `secret.reveal`, `secret.delete`, `api-key.create`. */
  action: string;
  /** e.g. `secret:prod-db`, `api-key:abc123`. */
  target: string;
  outcome: 'success' | 'failure';
  /** The error code when the action failed. */
  reason?: string;
  requestId: string;
  sourceIp: string;
  /** The caller's User-Agent, when it sent one. */
  userAgent?: string;
  /** ISO-8601 time of the action. */
  at: string;
}

/** An event as stored: with its id (its sort key), its HMAC and its expiry. */
export interface AuditRecord extends AuditEvent {
  /** `<at>#<requestId>#<random>`: unique, and ordered by time. */
  id: string;
  /** HMAC-SHA256 under the tenant's audit key (shared/audit/audit-seal.ts); absent on events written before. */
  hmac?: string;
  /** When DynamoDB's TTL removes it, epoch seconds. */
  expiresAt?: number;
}

/** Which events a page of the audit holds: newest first, every filter must match. */
export interface AuditQuery {
  limit: number;
  cursor?: string;
  /** ISO times, both inclusive. */
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditEvent['outcome'];
  requestId?: string;
  /** Items read for one page at most (filters skip items, so a page may end early with a cursor). */
  maxRead?: number;
}
