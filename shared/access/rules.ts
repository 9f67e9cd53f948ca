/**
 * Access rules below the tenant: a key (or a JWT principal, through a claim) may carry rules in the
 * shape of Vault path ACLs and IAM statements:
 *
 *   { "actions": ["read", "reveal"], "secrets": ["ci/**"], "connections": ["aws"], "effect": "allow" }
 *
 * A rule speaks of secrets (their names), of connections (their ids), or of both (secrets on those
 * connections). What a request is about — its target — is one of:
 * - a secret on a connection: a rule matches when the secret matches its `secrets` (if any) and the
 *   connection its `connections` (if any);
 * - a connection: a rule matches when the connection matches its `connections`;
 * - the whole tenant (API keys, costs, the audit): an allow rule matches when each pattern list it has
 *   holds `**`; a deny rule for the action always matches (the tenant is no longer whole).
 * Deny wins; without a matching allow rule the answer is no. A principal without rules has what its
 * scopes give, as before rules existed.
 */
import * as z from 'zod';
import { includes, intersects, matches, type Pattern, type PatternKind, parsePattern } from './patterns.ts';

export const accessActions = ['read', 'reveal', 'write', 'rotate', 'delete', 'admin'] as const;
export type AccessAction = (typeof accessActions)[number];

export interface AccessRule {
  actions: AccessAction[];
  secrets?: string[];
  connections?: string[];
  effect: 'allow' | 'deny';
}

export type AccessTarget =
  | { secret: string; connection?: string }
  | { connection: string }
  | { tenant: true };

const patternList = (kind: PatternKind) =>
  z
    .array(z.string())
    .min(1)
    .max(50)
    .superRefine((patterns, ctx) => {
      for (const [i, text] of patterns.entries()) {
        const parsed = parsePattern(text, kind);
        if ('error' in parsed)
          ctx.addIssue({ code: 'custom', path: [i], message: `"${text}": ${parsed.error}` });
      }
    });

export const accessRuleSchema = z
  .strictObject({
    actions: z.array(z.enum(accessActions)).min(1).max(accessActions.length),
    secrets: patternList('secret').optional(),
    connections: patternList('connection').optional(),
    effect: z.enum(['allow', 'deny']).default('allow'),
  })
  .refine((rule) => rule.secrets !== undefined || rule.connections !== undefined, {
    message: 'a rule names secrets, connections, or both',
  });

export const accessRulesSchema = z.array(accessRuleSchema).min(1).max(50);

interface CompiledRule {
  index: number;
  effect: 'allow' | 'deny';
  actions: ReadonlySet<AccessAction>;
  secrets?: Pattern[];
  connections?: Pattern[];
}

/** Rules parsed once (a key's rules are compiled on first use and kept with the principal). */
export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
}

export function compileRules(rules: readonly AccessRule[]): CompiledRules {
  const compile = (texts: string[] | undefined, kind: PatternKind) =>
    texts?.map((text) => {
      const parsed = parsePattern(text, kind);
      if ('error' in parsed) throw new Error(`a stored rule holds a malformed pattern: ${parsed.error}`);
      return parsed;
    });
  return {
    rules: rules.map((rule, index) => ({
      index,
      effect: rule.effect,
      actions: new Set(rule.actions),
      ...(rule.secrets ? { secrets: compile(rule.secrets, 'secret')! } : {}),
      ...(rule.connections ? { connections: compile(rule.connections, 'connection')! } : {}),
    })),
  };
}

const everything = parsePattern('**', 'secret') as Pattern;
const anyMatches = (patterns: Pattern[] | undefined, value: string | undefined) =>
  patterns === undefined || (value !== undefined && patterns.some((pattern) => matches(pattern, value)));
const holdsAll = (patterns: Pattern[] | undefined) =>
  patterns === undefined || patterns.some((pattern) => pattern.deep && pattern.segments.length === 0);

function ruleMatches(rule: CompiledRule, action: AccessAction, target: AccessTarget): boolean {
  if (!rule.actions.has(action)) return false;
  if ('tenant' in target) {
    return rule.effect === 'deny' || (holdsAll(rule.secrets) && holdsAll(rule.connections));
  }
  if ('secret' in target)
    return anyMatches(rule.secrets, target.secret) && anyMatches(rule.connections, target.connection);
  return rule.connections !== undefined && anyMatches(rule.connections, target.connection);
}

export interface Decision {
  allowed: boolean;
  /** The rule that decided (its index in the list), when one did. */
  rule?: number;
  effect?: 'allow' | 'deny';
}

export function decide(compiled: CompiledRules, action: AccessAction, target: AccessTarget): Decision {
  let allow: CompiledRule | undefined;
  for (const rule of compiled.rules) {
    if (!ruleMatches(rule, action, target)) continue;
    if (rule.effect === 'deny') return { allowed: false, rule: rule.index, effect: 'deny' };
    allow ??= rule;
  }
  return allow ? { allowed: true, rule: allow.index, effect: 'allow' } : { allowed: false };
}

export type SubsetResult = { ok: true } | { ok: false; rule: number; reason: string };

/**
 * Whether every request `child` allows, `parent` allows too: each allow rule of the child must fit,
 * action by action, inside one allow rule of the parent, and meet none of the parent's deny rules.
 * Sound (it never says yes wrongly); it may refuse a child that only several parent rules together
 * would cover.
 */
export function isSubset(
  child: readonly AccessRule[] | undefined,
  parent: readonly AccessRule[] | undefined,
): SubsetResult {
  if (parent === undefined) return { ok: true };
  if (child === undefined) {
    return { ok: false, rule: -1, reason: 'a key with rules can only make keys with rules within its own' };
  }
  const theirs = compileRules(parent).rules;
  for (const [index, rule] of compileRules(child).rules.entries()) {
    if (rule.effect === 'deny') continue;
    for (const action of rule.actions) {
      const covered = theirs.some(
        (other) => other.effect === 'allow' && other.actions.has(action) && covers(other, rule),
      );
      if (!covered) {
        return {
          ok: false,
          rule: index,
          reason: `rule ${index} allows ${action} beyond the creator's own rules`,
        };
      }
      const denied = theirs.find(
        (other) => other.effect === 'deny' && other.actions.has(action) && overlaps(other, rule),
      );
      if (denied) {
        return {
          ok: false,
          rule: index,
          reason: `rule ${index} allows ${action} where the creator's rule ${denied.index} denies it`,
        };
      }
    }
  }
  return { ok: true };
}

/** All-of-a-kind, for inclusion and overlap: a missing list matches every secret (or connection). */
const orAll = (patterns: Pattern[] | undefined) => patterns ?? [everything];
const listIncludes = (outer: Pattern[] | undefined, inner: Pattern[] | undefined) =>
  orAll(inner).every((pattern) => orAll(outer).some((other) => includes(other, pattern)));
const listsMeet = (a: Pattern[] | undefined, b: Pattern[] | undefined) =>
  orAll(a).some((pattern) => orAll(b).some((other) => intersects(pattern, other)));

/** Every target `inner` matches, `outer` matches. */
function covers(outer: CompiledRule, inner: CompiledRule): boolean {
  const secrets =
    listIncludes(outer.secrets, inner.secrets) && listIncludes(outer.connections, inner.connections);
  const connections =
    inner.connections === undefined ||
    (outer.connections !== undefined && listIncludes(outer.connections, inner.connections));
  const tenant =
    !(holdsAll(inner.secrets) && holdsAll(inner.connections)) ||
    (holdsAll(outer.secrets) && holdsAll(outer.connections));
  return secrets && connections && tenant;
}

/** Some target both match (a deny rule matches the whole tenant whenever it names the action). */
function overlaps(deny: CompiledRule, allow: CompiledRule): boolean {
  if (holdsAll(allow.secrets) && holdsAll(allow.connections)) return true;
  if (listsMeet(deny.secrets, allow.secrets) && listsMeet(deny.connections, allow.connections)) return true;
  return (
    deny.connections !== undefined &&
    allow.connections !== undefined &&
    listsMeet(deny.connections, allow.connections)
  );
}
