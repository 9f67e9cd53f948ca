/** The api-keys family's Lambda function: API keys. */
import { apiKeyRoutes } from '../api/api-keys.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { apiKeysFamilyServices } from '../services/api-keys.ts';
import { lazyDeployment } from '../services/deployment.ts';

export const handler = createApiHandler(apiKeyRoutes, lazyDeployment(apiKeysFamilyServices));
