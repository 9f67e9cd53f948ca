/**
 * How long audit events are kept unless configured otherwise (SECRETM_AUDIT_RETENTION_DAYS, CDK
 * `auditRetentionDays`). Its own module, so local mode's start-up reads it without loading the store.
 */
export const defaultAuditRetentionDays = 400;
