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
