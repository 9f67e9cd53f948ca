/** The secrets family's Lambda function: secrets, their values and versions, and their rotation. */
import { secretRoutes } from '../api/secrets.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { lazyDeployment } from '../services/deployment.ts';
import { secretsFamilyServices } from '../services/secrets-family.ts';

export const handler = createApiHandler(secretRoutes, lazyDeployment(secretsFamilyServices));
