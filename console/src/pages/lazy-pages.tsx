/** The pages that load when first opened (see ui/lazy-page.tsx): API keys, costs, audit and bindings. */
import { lazyPage } from '../ui/lazy-page.tsx';

export const ApiKeys = lazyPage(async () => (await import('./api-keys.tsx')).ApiKeys);
export const Costs = lazyPage(async () => (await import('./costs.tsx')).Costs);
export const Audit = lazyPage(async () => (await import('./audit.tsx')).Audit);
export const Bindings = lazyPage(async () => (await import('./bindings.tsx')).Bindings);
export const BindingDetail = lazyPage(async () => (await import('./binding-detail.tsx')).BindingDetail);
