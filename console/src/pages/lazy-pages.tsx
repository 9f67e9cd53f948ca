/**
 * The pages that load when first opened (see ui/lazy-page.tsx): all but sign-in, the secrets list and a
 * secret's page, which the first visit needs.
 */
import { lazyPage } from '../ui/lazy-page.tsx';

export const ApiKeys = lazyPage(async () => (await import('./api-keys.tsx')).ApiKeys);
export const Costs = lazyPage(async () => (await import('./costs.tsx')).Costs);
export const Audit = lazyPage(async () => (await import('./audit.tsx')).Audit);
export const Bindings = lazyPage(async () => (await import('./bindings.tsx')).Bindings);
export const BindingDetail = lazyPage(async () => (await import('./binding-detail.tsx')).BindingDetail);
export const CreateSecret = lazyPage(async () => (await import('./create-secret.tsx')).CreateSecret);
export const ImportSecret = lazyPage(async () => (await import('./import-secret.tsx')).ImportSecret);
export const Vaults = lazyPage(async () => (await import('./vaults.tsx')).Vaults);
export const AddVault = lazyPage(async () => (await import('./add-vault.tsx')).AddVault);
