/** A key's access rules in a line each: `allow read, reveal on secrets ci/**`. */
import type { ApiKey } from '../api/client.ts';

export function rulesSummary(rules: ApiKey['rules']): string {
  if (!rules || rules.length === 0) return 'none (its scopes alone)';
  return rules
    .map((rule) => {
      const over = [
        rule.secrets ? `secrets ${rule.secrets.join(', ')}` : '',
        rule.connections ? `connections ${rule.connections.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' on ');
      return `${rule.effect} ${rule.actions.join(', ')} on ${over}`;
    })
    .join('; ');
}
