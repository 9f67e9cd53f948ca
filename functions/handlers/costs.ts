/** The costs family's Lambda function: the cost report. */
import { costRoutes } from '../api/costs.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { costsFamilyServices } from '../services/costs.ts';
import { lazyDeployment } from '../services/deployment.ts';

export const handler = createApiHandler(costRoutes, lazyDeployment(costsFamilyServices));
