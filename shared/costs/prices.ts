/**
 * What vaults charge, per kind, from public list prices (configurable per deployment). AWS Secrets
 * Manager: $0.40 per secret per month, prorated by the hour (a replica is a secret of its own), and
 * $0.05 per 10,000 API calls. Azure Key Vault (Standard): $0.03 per 10,000 secret operations, no
 * per-secret charge. A self-hosted Vault/OpenBao and the local vault cost nothing unless configured.
 */
import type { VaultKind } from '../providers/provider.ts';
import { dollars, type Money, scale } from './money.ts';

export interface PriceTable {
  /** Per secret per month, prorated by the hour. */
  secretMonth: Money;
  /** Per block of `callsPerBlock` API calls. */
  callBlock: Money;
  callsPerBlock: number;
}

export const defaultPrices: Record<VaultKind, PriceTable> = {
  'aws-secrets-manager': { secretMonth: dollars('0.40'), callBlock: dollars('0.05'), callsPerBlock: 10_000 },
  'azure-key-vault': { secretMonth: dollars('0'), callBlock: dollars('0.03'), callsPerBlock: 10_000 },
  'hashicorp-vault': { secretMonth: dollars('0'), callBlock: dollars('0'), callsPerBlock: 10_000 },
  local: { secretMonth: dollars('0'), callBlock: dollars('0'), callsPerBlock: 10_000 },
};

/** Storage: secretMonth × secretHours ÷ hours in the month. */
export function storageCost(prices: PriceTable, secretHours: number, hoursInMonth: number): Money {
  return scale(prices.secretMonth, secretHours, hoursInMonth);
}

/** Calls: callBlock × calls ÷ callsPerBlock (exact; no rounding per call). */
export function callCost(prices: PriceTable, calls: number | bigint): Money {
  return scale(prices.callBlock, calls, prices.callsPerBlock);
}
