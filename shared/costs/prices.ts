/**
 * What vaults charge, per kind, from public list prices (configurable per deployment). AWS Secrets
 * Manager: $0.40 per secret per month, prorated by the hour (a replica is a secret of its own), and
 * $0.05 per 10,000 API calls. Azure Key Vault (Standard): $0.03 per 10,000 secret operations, no
 * per-secret charge. A self-hosted Vault/OpenBao and the local vault cost nothing unless configured.
 */
import * as z from 'zod';
import { ValidationError } from '../errors.ts';
import { type VaultKind, vaultKinds } from '../providers/provider.ts';
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

const decimal = z
  .string({ error: 'must be a decimal number of dollars written as a string, such as "0.40"' })
  .regex(/^\d{1,12}(\.\d{1,12})?$/, 'must be a decimal number of dollars, such as "0.05"');
const priceOverride = z.strictObject({
  secretMonth: decimal.optional(),
  callBlock: decimal.optional(),
  callsPerBlock: z.number().int().min(1).max(1_000_000_000).optional(),
});
/** What a deployment may change: per vault kind, any of the three figures (dollars as decimal strings). */
export const priceOverrides = z.partialRecord(z.enum(vaultKinds), priceOverride);
export type PriceOverrides = z.output<typeof priceOverrides>;

/**
 * The default price table with a deployment's changes (SECRETM_PRICES, JSON), e.g.
 * `{"hashicorp-vault": {"secretMonth": "0.10"}, "azure-key-vault": {"callBlock": "0.15"}}`.
 */
export function priceTable(overridesJson?: string): Record<VaultKind, PriceTable> {
  if (overridesJson === undefined || overridesJson.trim() === '') return defaultPrices;
  let parsed: unknown;
  try {
    parsed = JSON.parse(overridesJson);
  } catch {
    throw new ValidationError('SECRETM_PRICES must be JSON');
  }
  const checked = priceOverrides.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ValidationError(
      `SECRETM_PRICES: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const table = { ...defaultPrices };
  for (const [kind, change] of Object.entries(checked.data) as [
    VaultKind,
    z.output<typeof priceOverride>,
  ][]) {
    table[kind] = {
      secretMonth: change.secretMonth === undefined ? table[kind].secretMonth : dollars(change.secretMonth),
      callBlock: change.callBlock === undefined ? table[kind].callBlock : dollars(change.callBlock),
      callsPerBlock: change.callsPerBlock ?? table[kind].callsPerBlock,
    };
  }
  return table;
}
