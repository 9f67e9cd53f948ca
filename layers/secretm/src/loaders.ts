/**
 * Every vault the layer reads, each loaded on first use (see SourceLoaders), and the usage counting of
 * the cost records (whose writes go through the table module): the `secretm` entry point.
 */
import type { SourceLoaders } from './secretm.ts';
import { createLayerUsage } from './usage.ts';

export const allSources: SourceLoaders = {
  aws: () => import('./sources/aws.ts'),
  vault: () => import('./sources/vault.ts'),
  azure: () => import('./sources/azure.ts'),
  local: () => import('./sources/local.ts'),
  table: () => import('./table.ts'),
  stored: () => import('./stored-connections.ts'),
  usage: createLayerUsage,
};
