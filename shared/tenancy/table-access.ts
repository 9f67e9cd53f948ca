/**
 * Which items of secretm's table a tenant's requests may touch, written once as IAM would write it:
 * actions, and `dynamodb:LeadingKeys` patterns (StringLike: `*` is any run of characters). The same
 * rules become the session policy of the tenant's AWS credentials (session-policy.ts) and the guard
 * every tenant's table client carries (table-guard.ts), so local mode, where DynamoDB Local checks no
 * IAM, refuses exactly what AWS refuses.
 *
 * - the tenant's own partitions: `T#<tenant>` and `T#<tenant>#…` (shared/store/keys.ts);
 * - PutItem on `K#<id>`: the pointer from an API key id to its tenant, written when a key is made
 *   (authentication reads it before it knows the tenant; the key itself, with its hash, lives in the
 *   tenant's partition, so a pointer written wrong can break a key but never make one);
 * - PutItem on `TENANTS`: the registry of tenants the monthly cost roll-up and the audit digests visit.
 *
 * Inside its own partitions, a tenant's requests may still not write its audit digests (the digest
 * job's alone) nor change or delete an audit event (events are only ever added): `tenantTableDenials`,
 * which the guard and the tenant-access role's policy deny whatever else allows it.
 */
import {
  apiKeyPointerKey,
  auditDigestPk,
  auditPk,
  pkName,
  tenantPk,
  tenantRegistryPk,
} from '../store/keys.ts';

export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

export interface LeadingKeyRule {
  actions: readonly TableAction[];
  /** `dynamodb:LeadingKeys` patterns (IAM StringLike). */
  leadingKeys: readonly string[];
}

const tenantActions: readonly TableAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'ConditionCheckItem',
];

/** The pattern every API key pointer item's partition key matches (`K#<id>`). */
export const apiKeyPointerPattern = apiKeyPointerKey('*')[pkName];

export function tenantTableRules(tenant: string): LeadingKeyRule[] {
  const own = tenantPk(tenant);
  return [
    { actions: tenantActions, leadingKeys: [own, `${own}#*`] },
    { actions: ['PutItem'], leadingKeys: [apiKeyPointerPattern, tenantRegistryPk] },
  ];
}

/**
 * What no tenant session may do, even in its own partitions (a deny wins): write audit digests, and
 * change or delete audit events. Every tenant's, as IAM StringLike patterns.
 */
export const tenantTableDenials: readonly LeadingKeyRule[] = [
  { actions: ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], leadingKeys: [auditDigestPk('*')] },
  { actions: ['UpdateItem', 'DeleteItem', 'BatchWriteItem'], leadingKeys: [auditPk('*')] },
];

/** Whether a denial covers `action` on any of the items whose partition keys are `leadingKeys`. */
export function denies(
  denials: readonly LeadingKeyRule[],
  action: TableAction,
  leadingKeys: string[],
): boolean {
  return denials.some(
    (denial) =>
      denial.actions.includes(action) &&
      leadingKeys.some((key) => denial.leadingKeys.some((pattern) => stringLike(pattern, key))),
  );
}

/**
 * Patterns compiled once: every table request of every tenant is checked against its rules, whose
 * patterns are few (a handful per tenant). Emptied when full, so a process serving many tenants stays
 * bounded.
 */
const compiled = new Map<string, RegExp>();
const maxCompiled = 4096;

/** IAM's StringLike: `*` matches any run of characters, `?` any one; the rest literally. */
export function stringLike(pattern: string, value: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, 's');
    if (compiled.size >= maxCompiled) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex.test(value);
}

/** Whether the rules allow `action` on items whose partition keys are all `leadingKeys`. */
export function allows(
  rules: readonly LeadingKeyRule[],
  action: TableAction,
  leadingKeys: string[],
): boolean {
  return rules.some(
    (rule) =>
      rule.actions.includes(action) &&
      leadingKeys.length > 0 &&
      leadingKeys.every((key) => rule.leadingKeys.some((pattern) => stringLike(pattern, key))),
  );
}

/**
 * Writing one event into a tenant's audit and nothing else: how a refused attempt on a tenant's
 * ref from another tenant's request reaches the owner's audit.
 */
export function auditOnlyTableRules(tenant: string): LeadingKeyRule[] {
  return [{ actions: ['PutItem'], leadingKeys: [auditPk(tenant)] }];
}
