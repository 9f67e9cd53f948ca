/**
 * The digest job: for every tenant with an audit key, every hour of its audit is covered by a digest,
 * written once the hour is over by `digestGraceMs` (so events written late still land in their hour),
 * and chained to the digest of the hour before — CloudTrail's hourly digest files, in the table. A
 * digest lists the hour's events (sort key, action, HMAC, expiry), in parts when there are many, and
 * says how many; empty hours have a digest too, so an event slipped into a quiet hour, or an hour
 * emptied, shows.
 *
 * Only this job writes digests, and it reads events after the fact: writers of events never wait on
 * it or on each other. A run goes on from each tenant's latest digest (the first starts the chain at
 * the hour before the tenant's key was made), so a run cut short by its time limit, or a run missed,
 * is caught up by the next. Two runs at once write each hour's digest once (audit-digest-store.ts).
 */
import type { Clock } from '../clock.ts';
import type { AuditDigestStore } from '../store/audit-digest-store.ts';
import type { AuditStore } from '../store/store-types.ts';
import type { AuditKeys } from './audit-keys.ts';
import {
  type AuditKey,
  chainStart,
  type DigestContent,
  type DigestEntry,
  digestFormat,
  hmacOf,
  hourClosed,
  nextHour,
  parseDigest,
  sha256,
} from './audit-seal.ts';

export interface AuditDigestDeps {
  /** Reads any tenant's audit (the job's own access: every tenant's audit partition). */
  events: Pick<AuditStore, 'range'>;
  digests: AuditDigestStore;
  keys: Pick<AuditKeys, 'find'>;
  /** The tenants to visit (the tenant registry). */
  tenants: () => AsyncIterable<string>;
  clock: Clock;
  /** How long events live; a digest lives at least as long as the events it covers, and a week more. */
  retentionDays: number;
  /** Milliseconds left to start more work; at 0 or below the run stops (the next goes on). */
  timeLeft?: () => number;
  /** Largest part, in characters of its text (DynamoDB items are at most 400 KB). */
  partChars?: number;
}

export interface DigestRunSummary {
  /** Tenants visited. */
  tenants: number;
  /** Digests written by this run. */
  digests: number;
  /** False when the run stopped early: the next run goes on. */
  done: boolean;
  /** Tenants whose digests could not be written this run (their chain head is unreadable, or a write failed). */
  failed: string[];
}

const defaultPartChars = 300_000;
/** A digest outlives the last of its events by this much: DynamoDB's TTL deletes late, never early. */
const digestMarginSeconds = 7 * 86_400;

export function createAuditDigestJob(deps: AuditDigestDeps) {
  const timeLeft = deps.timeLeft ?? (() => Number.POSITIVE_INFINITY);
  const partChars = deps.partChars ?? defaultPartChars;

  /** Writes the digests of every closed hour of one tenant not digested yet; answers how many. */
  async function digestTenant(tenant: string): Promise<number> {
    const key = await deps.keys.find(tenant);
    if (!key) return 0;
    const head = await deps.digests.latest(tenant);
    let previous: DigestContent['previous'] = null;
    let hour = chainStart(key);
    if (head) {
      const content = parseDigest(head.content);
      if (!content) throw new Error(`the latest audit digest of tenant ${tenant} is unreadable`);
      previous = { from: content.from, sha256: sha256(head.content), expiresAt: content.expiresAt };
      hour = content.to;
    }
    let written = 0;
    while (hourClosed(hour, deps.clock.now().getTime()) && timeLeft() > 0) {
      const digest = await digestOf(tenant, key, hour, previous);
      if (!(await deps.digests.put(tenant, digest.stored))) {
        // Another run wrote this hour meanwhile: chain on to what it wrote.
        const theirs = await deps.digests.get(tenant, hour);
        const content = theirs && parseDigest(theirs.content);
        if (!theirs || !content) throw new Error(`the audit digest of ${tenant} for ${hour} is unreadable`);
        previous = { from: hour, sha256: sha256(theirs.content), expiresAt: content.expiresAt };
      } else {
        previous = { from: hour, sha256: sha256(digest.stored.content), expiresAt: digest.expiresAt };
        written++;
      }
      hour = nextHour(hour);
    }
    return written;
  }

  async function digestOf(tenant: string, key: AuditKey, hour: string, previous: DigestContent['previous']) {
    const to = nextHour(hour);
    const entries: DigestEntry[] = [];
    for await (const page of deps.events.range(tenant, hour, to)) {
      for (const event of page) {
        entries.push([event.id, event.action, event.hmac ?? null, event.expiresAt ?? null]);
      }
    }
    const parts = partsOf(entries, partChars);
    const retained = Math.floor((Date.parse(to) + deps.retentionDays * 86_400_000) / 1000);
    const expiresAt =
      Math.max(retained, ...entries.map(([, , , expires]) => expires ?? 0)) + digestMarginSeconds;
    const content: DigestContent = {
      format: digestFormat,
      tenant,
      from: hour,
      to,
      events: entries.length,
      parts: parts.map((part) => ({ sha256: sha256(part.text), events: part.events })),
      previous,
      createdAt: deps.clock.now().toISOString(),
      expiresAt,
    };
    const text = JSON.stringify(content);
    return {
      expiresAt,
      stored: {
        hour,
        content: text,
        hmac: hmacOf(key, text),
        parts: parts.map((part) => part.text),
        expiresAt,
      },
    };
  }

  return {
    digestTenant,
    /** Every tenant of the registry in turn, until the time is up. */
    async digestAll(): Promise<DigestRunSummary> {
      const summary: DigestRunSummary = { tenants: 0, digests: 0, done: true, failed: [] };
      for await (const tenant of deps.tenants()) {
        if (timeLeft() <= 0) {
          summary.done = false;
          break;
        }
        summary.tenants++;
        try {
          summary.digests += await digestTenant(tenant);
        } catch (error) {
          // One tenant's trouble (an unreadable key or chain head) does not stop the others.
          summary.failed.push(tenant);
          console.error(
            JSON.stringify({
              level: 'error',
              message: 'the audit digests of a tenant could not be written',
              tenant,
              error: error instanceof Error ? error.name : 'unknown',
            }),
          );
        }
      }
      if (timeLeft() <= 0) summary.done = false;
      return summary;
    },
  };
}

/** The entries in parts of at most `maxChars` characters of JSON each (at least one entry per part). */
function partsOf(entries: DigestEntry[], maxChars: number): { text: string; events: number }[] {
  const parts: { text: string; events: number }[] = [];
  let current: string[] = [];
  let size = 2;
  for (const entry of entries) {
    const text = JSON.stringify(entry);
    if (current.length > 0 && size + text.length + 1 > maxChars) {
      parts.push({ text: `[${current.join(',')}]`, events: current.length });
      current = [];
      size = 2;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length > 0) parts.push({ text: `[${current.join(',')}]`, events: current.length });
  return parts;
}

export type AuditDigestJob = ReturnType<typeof createAuditDigestJob>;
