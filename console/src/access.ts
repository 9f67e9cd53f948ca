/**
 * What the signed-in caller may do, as the API says (`GET /v1/me`, and `?secret=NAME` on a secret's
 * page): asked once per session and secret, held in memory only, forgotten when the session changes.
 * The console offers only what these answers allow; it decides nothing the API does not.
 */
import { api, type Me, ok } from './api/client.ts';
import { session } from './session.ts';
import { useLoad } from './ui/use-load.ts';

const answers = new Map<string, Promise<Me>>();
session.subscribe(() => answers.clear());

/** The caller, and with a secret what it may do to that secret; one request per session and secret. */
export function whoAmI(secret?: string): Promise<Me> {
  const id = secret ?? '';
  let answer = answers.get(id);
  if (!answer) {
    const query = secret === undefined ? {} : { secret };
    answer = ok(api.GET('/v1/me', { params: { query } })).then(({ data }) => data);
    answers.set(id, answer);
    // A failed answer is asked again next time.
    answer.catch(() => answers.delete(id));
  }
  return answer;
}

/** Keeps the answer sign-in already had, so the first page does not ask again. */
export function remember(me: Me): void {
  answers.set('', Promise.resolve(me));
}

export const useMe = () => useLoad(() => whoAmI(), []);
export const useSecretAccess = (name: string) => useLoad(() => whoAmI(name), [name]);

/** What each page that not every key may open needs (the routes it calls need it). */
type Need = 'write' | 'admin' | 'tenantAdmin';
const pageNeeds: [prefix: string, needs: Need[]][] = [
  ['/secrets/new', ['write']],
  ['/secrets/import', ['write', 'admin']],
  ['/vaults', ['admin']],
  ['/api-keys', ['tenantAdmin']],
  ['/costs', ['tenantAdmin']],
  ['/audit', ['tenantAdmin']],
];

const holds = (me: Me, need: Need) => (need === 'tenantAdmin' ? me.tenantAdmin : me.scopes.includes(need));

/** The needs of a page the caller lacks (empty: it may open it). */
export function missingFor(path: string, me: Me): Need[] {
  const needs = pageNeeds.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1] ?? [];
  return needs.filter((need) => !holds(me, need));
}

export const mayOpen = (path: string, me: Me) => missingFor(path, me).length === 0;

export function describeNeed(need: Need): string {
  return need === 'tenantAdmin' ? 'the admin scope over the whole tenant' : `the ${need} scope`;
}
