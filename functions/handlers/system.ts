/** The system family's Lambda function: health, readiness and the OpenAPI document; no tenant service. */
import { systemRoutes } from '../api/system.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { lazyDeployment } from '../services/deployment.ts';

export const handler = createApiHandler(
  systemRoutes,
  lazyDeployment(() => ({})),
);
