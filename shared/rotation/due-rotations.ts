/**
 * Due secrets of every tenant, earliest first, at most `limit`: the dispatcher's query of the index by
 * next rotation time (page by page, its shards in parallel; never a scan). Cross-tenant by nature, so
 * it runs on the dispatcher's own role, which may query that index and nothing else.
 */
import type { Clock } from '../clock.ts';
import { rotationShards } from '../store/keys.ts';
import type { DueRotation, SecretStore } from '../store/store-types.ts';

const duePageSize = 100;

export async function findDueRotations(
  store: Pick<SecretStore, 'listDueRotations'>,
  clock: Clock,
  limit: number,
): Promise<DueRotation[]> {
  const dueBy = clock.now().toISOString();
  const found: DueRotation[] = [];
  const cursors = new Map<number, string | undefined>();
  for (let shard = 0; shard < rotationShards; shard++) cursors.set(shard, undefined);
  // Each round reads the next page of every shard that has more; the earliest of what was read win.
  while (found.length < limit && cursors.size > 0) {
    const room = limit - found.length;
    const pages = await Promise.all(
      [...cursors].map(async ([shard, cursor]) => {
        const page = await store.listDueRotations({
          shard,
          dueBy,
          limit: Math.min(duePageSize, room),
          ...(cursor ? { cursor } : {}),
        });
        return { shard, page };
      }),
    );
    for (const { shard, page } of pages) {
      found.push(...page.items);
      if (page.cursor) cursors.set(shard, page.cursor);
      else cursors.delete(shard);
    }
  }
  found.sort((a, b) =>
    a.nextRotationAt < b.nextRotationAt ? -1 : a.nextRotationAt > b.nextRotationAt ? 1 : 0,
  );
  return found.slice(0, limit);
}
