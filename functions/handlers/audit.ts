/** The audit family's Lambda function: reading and verifying the audit. */
import { auditRoutes } from '../api/audit.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { auditFamilyServices } from '../services/audit-log.ts';
import { lazyDeployment } from '../services/deployment.ts';

export const handler = createApiHandler(auditRoutes, lazyDeployment(auditFamilyServices));
