/**
 * Names what each DynamoDB request a counting proxy logged (test/layers/secretm/counting-proxy.ts) was
 * for, from the keys it names (shared/store/keys.ts): `GetItem api-key`, `PutItem audit`, … and how many
 * vault calls the usage counters of those requests recorded (the metered provider counts every vault
 * call, and the API writes those counts at the end of each request). Used by the request-count test and
 * by `npm run bench:api` (no test-runner imports here).
 */
import type { LoggedRequest } from '../layers/secretm/counting-proxy.ts';

type Attribute = { S?: string; N?: string };
type Item = Record<string, Attribute>;

/** The kind of item a table key names. */
export function itemKind(pk: string, sk: string | undefined): string {
  if (pk === 'OPERATOR') return 'operator-key';
  if (pk === 'TENANTS') return 'tenant-registry';
  if (pk.startsWith('K#')) return 'api-key-pointer';
  if (!pk.startsWith('T#')) return `other(${pk.split('#')[0]})`;
  const rest = pk.slice(2).split('#').slice(1);
  if (rest[0] === 'S') return 'version';
  if (rest[0] === 'A') return 'audit';
  if (rest[0] === 'U') return 'usage';
  if (rest[0] === 'R') return 'rollup';
  if (rest[0]?.startsWith('TAG:')) return 'tag-index';
  if (rest.length > 0) return `tenant#${rest[0]}`;
  const bySk: Record<string, string> = {
    'S#': 'secret',
    'K#': 'api-key',
    'I#': 'idempotency',
    'R#': 'ref-claim',
    'C#': 'connection',
    'L#': 'life',
    'M#': 'marker',
  };
  if (sk === undefined) return 'tenant-partition';
  return bySk[sk.slice(0, 2)] ?? `tenant(${sk.slice(0, 2)})`;
}

function keyOf(item: Item | undefined): string | undefined {
  if (item?.pk?.S === undefined) return undefined;
  return itemKind(item.pk.S, item.sk?.S);
}

/** The item kinds one request touches (a batch or transaction names each of its items). */
function kindsOf(json: Record<string, unknown>): string[] {
  const kinds: string[] = [];
  const single = keyOf((json.Key ?? json.Item) as Item | undefined);
  if (single !== undefined) kinds.push(single);
  const transact = json.TransactItems as Record<string, { Key?: Item; Item?: Item }>[] | undefined;
  for (const entry of transact ?? []) {
    for (const action of Object.values(entry)) {
      const kind = keyOf(action.Key ?? action.Item);
      if (kind !== undefined) kinds.push(kind);
    }
  }
  const batches = (json.RequestItems ?? {}) as Record<string, unknown>;
  for (const list of Object.values(batches)) {
    if (Array.isArray(list)) {
      for (const write of list as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]) {
        const kind = keyOf(write.PutRequest?.Item ?? write.DeleteRequest?.Key);
        if (kind !== undefined) kinds.push(kind);
      }
    } else {
      for (const key of (list as { Keys?: Item[] }).Keys ?? []) {
        const kind = keyOf(key);
        if (kind !== undefined) kinds.push(kind);
      }
    }
  }
  if (kinds.length === 0 && json.KeyConditionExpression !== undefined) {
    const values = (json.ExpressionAttributeValues ?? {}) as Item;
    const pk = Object.values(values).find((value) => value.S !== undefined)?.S;
    const index = typeof json.IndexName === 'string' ? `${json.IndexName}:` : '';
    if (pk !== undefined) kinds.push(`${index}${itemKind(pk, undefined)}`);
  }
  return kinds;
}

/** `GetItem api-key`, `TransactWriteItems audit+usage`, … one line per request, in order. */
export function describeTableRequests(requests: readonly LoggedRequest[]): string[] {
  return requests.map((request) => {
    const kinds = request.json ? kindsOf(request.json) : [];
    return kinds.length === 0 ? request.operation : `${request.operation} ${kinds.join('+')}`;
  });
}

/** The vault calls the usage counters written by `requests` record (each `op#<operation>` added). */
export function vaultCallsOf(requests: readonly LoggedRequest[]): number {
  let calls = 0;
  for (const request of requests) {
    const json = request.json;
    if (!json || typeof json.UpdateExpression !== 'string') continue;
    const names = (json.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (json.ExpressionAttributeValues ?? {}) as Item;
    for (const [placeholder, name] of Object.entries(names)) {
      if (!name.startsWith('op#')) continue;
      const value = values[placeholder.replace('#', ':')];
      calls += Number(value?.N ?? 0);
    }
  }
  return calls;
}
