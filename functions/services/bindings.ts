/** The bindings family: bindings and their resolution, and templates rendered (both read secrets). */
import { type BindingService, createBindingService } from '../../shared/bindings/binding-service.ts';
import type { SecretService } from '../../shared/secrets/secret-service.ts';
import { createBindingStore } from '../../shared/store/binding-store.ts';
import { createRenderService, type RenderService } from '../../shared/templates/render-service.ts';
import { secretService } from './secrets.ts';
import type { ApiServices, ServiceFactory, TenantContext } from './tenant-context.ts';
import { tenantVaults } from './vaults.ts';

export function bindingService(context: TenantContext, secrets: SecretService): BindingService {
  return createBindingService({ store: createBindingStore(context.store), secrets, clock: context.clock });
}

export const renderService = (secrets: SecretService): RenderService => createRenderService({ secrets });

export const bindingsFamilyServices: ServiceFactory<Pick<ApiServices, 'bindings' | 'render'>> = (context) => {
  const secrets = secretService(context, tenantVaults(context));
  return { bindings: bindingService(context, secrets), render: renderService(secrets) };
};
