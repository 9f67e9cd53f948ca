/** The connections family's Lambda function: vault connections. */
import { connectionRoutes } from '../api/connections.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { connectionsFamilyServices } from '../services/connections.ts';
import { lazyDeployment } from '../services/deployment.ts';

export const handler = createApiHandler(connectionRoutes, lazyDeployment(connectionsFamilyServices));
