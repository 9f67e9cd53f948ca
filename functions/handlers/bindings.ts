/** The bindings family's Lambda function: bindings and templates. */
import { bindingRoutes } from '../api/bindings.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { bindingsFamilyServices } from '../services/bindings.ts';
import { lazyDeployment } from '../services/deployment.ts';

export const handler = createApiHandler(bindingRoutes, lazyDeployment(bindingsFamilyServices));
