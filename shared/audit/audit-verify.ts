/**
 * Verifies a tenant's audit over a time range, hour by hour, oldest first:
 *
 * - each digest: its HMAC, that it is the digest of its hour, that it names the digest before it by
 *   the SHA-256 that digest has now (the chain), and its parts by their SHA-256;
 * - each digested hour: the events in the table against the events the digest lists — an event in
 *   the digest but not the table was removed (unless it has expired), one in the table but not the
 *   digest was inserted, one whose HMAC differs from the digest's or does not match its own fields was
 *   altered;
 * - an hour with no digest although later hours have one: its digest was removed;
 * - hours not digested yet (the digest job writes each an hour and 20 minutes after it starts): each
 *   event's HMAC alone, which shows an event altered or made without the key, but not one removed.
 *
 * It names the first problem by time. Work is bounded per call: past `maxItems` events read (or
 * `maxHours` hours) it stops at an hour's end and answers a cursor to go on from.
 */
import { ValidationError } from '../errors.ts';
import type { AuditDigestStore, StoredDigest } from '../store/audit-digest-store.ts';
import { decodeCursor, encodeCursor } from '../store/paging.ts';
import type { AuditStore } from '../store/store-types.ts';
import type { AuditKeys } from './audit-keys.ts';
import {
  type AuditKey,
  chainStart,
  type DigestContent,
  type DigestEntry,
  digestGraceMs,
  eventText,
  hmacOf,
  hourClosed,
  hourMs,
  hourOf,
  nextHour,
  parseDigest,
  parsePart,
  sameHmac,
  sha256,
} from './audit-seal.ts';
import type { AuditRecord } from './audit-types.ts';

export type AuditProblemKind =
  | 'altered'
  | 'removed'
  | 'inserted'
  | 'altered-or-inserted'
  | 'digest-altered'
  | 'digest-removed';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The event's time, or the start of the digest's hour. */
  at: string;
  requestId?: string;
  action?: string;
  /** The event's id (its sort key). */
  id?: string;
  message: string;
}

export interface AuditVerification {
  tenant: string;
  /** What this answer checked: whole hours, from the hour `from` falls in. */
  from: string;
  to: string;
  /** Nothing found wrong in what was checked. */
  intact: boolean;
  /** The whole range was checked; otherwise `cursor` goes on where this answer stopped. */
  complete: boolean;
  cursor?: string;
  /** The tenant's audit is sealed (HMAC'd and digested) from this hour. */
  sealedSince?: string;
  /** The end of the latest digest: later events are checked by their HMAC alone. */
  digestedThrough?: string;
  checked: {
    /** Events read. */
    events: number;
    /** Digests checked. */
    digests: number;
    /** Events in hours without a digest, checked by their HMAC alone. */
    hmacOnly: number;
    /** Events from before the audit was sealed, with no HMAC: not checked. */
    unsealed: number;
    /** Events a digest lists that have expired (DynamoDB's TTL removed them, as it should). */
    expired: number;
  };
  /** The first problem by time, when there is one. */
  firstProblem?: AuditProblem;
  /** How many problems this answer found. */
  problems: number;
  notes: string[];
}

export interface AuditVerifyDeps {
  tenant: string;
  events: Pick<AuditStore, 'range'>;
  digests: AuditDigestStore;
  keys: Pick<AuditKeys, 'find'>;
  now: Date;
  /** Events (and digest entries) read per answer before it stops at an hour's end. */
  maxItems?: number;
  /** Hours per answer at most. */
  maxHours?: number;
}

export const defaultVerifyMaxItems = 20_000;
export const defaultVerifyMaxHours = 24 * 31;

/** A digest counts as late when written more than this after its hour closed (two missed runs). */
const lateDigestMs = 2 * hourMs;

function isoTime(text: string, what: string): number {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new ValidationError(`${what} is not a time`);
  return time;
}

/** `<ISO time>#<request id>#<random>` → time and request id. */
function partsOfId(id: string): { at: string; requestId: string } {
  const first = id.indexOf('#');
  const last = id.lastIndexOf('#');
  return { at: id.slice(0, first), requestId: id.slice(first + 1, last > first ? last : undefined) };
}

/** An async iterable of pages, read one item at a time, with a look at the next. */
function cursorOver<T>(pages: AsyncGenerator<T[]>) {
  let buffer: T[] = [];
  let done = false;
  const fill = async () => {
    while (buffer.length === 0 && !done) {
      const next = await pages.next();
      if (next.done) done = true;
      else buffer = next.value;
    }
  };
  return {
    async peek(): Promise<T | undefined> {
      await fill();
      return buffer[0];
    },
    async take(): Promise<T | undefined> {
      await fill();
      return buffer.shift();
    },
  };
}

export async function verifyAudit(
  deps: AuditVerifyDeps,
  query: { from?: string; to?: string; cursor?: string },
): Promise<AuditVerification> {
  const { tenant } = deps;
  const now = deps.now.getTime();
  const nowSeconds = Math.floor(now / 1000);
  const toTime = Math.min(query.to === undefined ? now : isoTime(query.to, 'to'), now);
  const checked = { events: 0, digests: 0, hmacOnly: 0, unsealed: 0, expired: 0 };
  const key = await deps.keys.find(tenant);
  if (!key) {
    return {
      tenant,
      from: query.from ?? new Date(toTime).toISOString(),
      to: new Date(toTime).toISOString(),
      intact: true,
      complete: true,
      checked,
      problems: 0,
      notes: ['this tenant has no audit key: none of its events was sealed, so there is nothing to verify'],
    };
  }
  const sealedSince = chainStart(key);
  const fromTime = query.from === undefined ? Date.parse(sealedSince) : isoTime(query.from, 'from');
  if (fromTime > toTime) throw new ValidationError('from must not be after to');
  const firstHour = hourOf(fromTime);
  const lastHour = hourOf(toTime);
  let startHour = firstHour;
  if (query.cursor !== undefined) {
    const hour = decodeCursor(query.cursor);
    if (
      Number.isNaN(Date.parse(hour)) ||
      hourOf(Date.parse(hour)) !== hour ||
      hour < firstHour ||
      hour > lastHour
    ) {
      throw new ValidationError('invalid cursor');
    }
    startHour = hour;
  }

  const maxItems = deps.maxItems ?? defaultVerifyMaxItems;
  const maxHours = deps.maxHours ?? defaultVerifyMaxHours;
  const problems: AuditProblem[] = [];
  const notes: string[] = [];
  const problem = (found: AuditProblem) => problems.push(found);
  /** Hours whose digest was found altered already (the next digest's link would say so again). */
  const alteredDigests = new Set<string>();

  const head = await deps.digests.latest(tenant);
  const headContent = head ? parseDigest(head.content) : undefined;
  const digestedThrough = headContent?.to;
  const events = cursorOver(deps.events.range(tenant, startHour, nextHour(lastHour)));
  const headers = cursorOver(deps.digests.headers(tenant, startHour, lastHour));

  /** The digest of the hour before, as stored now (for the chain); loaded for the first hour only. */
  let before: StoredDigest | undefined =
    startHour > sealedSince ? await deps.digests.get(tenant, hourBefore(startHour)) : undefined;
  /** Hours with no digest although one should be there, waiting for the next digest to say whether it expired. */
  let missing: string[] = [];
  let undigested = 0;
  let lateDigest: { hour: string; createdAt: string } | undefined;
  let read = 0;
  let hours = 0;
  let hour = startHour;
  let cursor: string | undefined;

  const hmacHolds = (event: AuditRecord) =>
    sameHmac(event.hmac, hmacOf(key, eventText(event.id, event, event.expiresAt)));

  const byHmacAlone = (hourEvents: AuditRecord[], why: string) => {
    for (const event of hourEvents) {
      checked.hmacOnly++;
      if (!hmacHolds(event)) {
        problem({
          kind: 'altered-or-inserted',
          at: event.at,
          requestId: event.requestId,
          action: event.action,
          id: event.id,
          message: `its HMAC does not match its fields (${why}: no digest says whether it was altered or inserted)`,
        });
      }
    }
  };

  /** Resolves the hours found missing: removed, unless the digest after them says they have expired. */
  const settleMissing = (next: DigestContent | undefined) => {
    const expired = next?.previous ? next.previous.expiresAt <= nowSeconds : false;
    if (!expired) {
      for (const gone of missing) {
        problem({
          kind: 'digest-removed',
          at: gone,
          message: `the digest of the hour from ${gone} is missing although later hours have one: the chain is broken`,
        });
      }
    }
    missing = [];
  };

  while (hour <= lastHour) {
    if (hours > 0 && (read >= maxItems || hours >= maxHours)) {
      cursor = encodeCursor(hour);
      break;
    }
    hours++;
    const to = nextHour(hour);
    const hourEvents: AuditRecord[] = [];
    while (((await events.peek())?.id ?? '\uffff') < to) hourEvents.push((await events.take())!);
    checked.events += hourEvents.length;
    read += hourEvents.length;
    let digest: StoredDigest | undefined;
    while ((await headers.peek()) && (await headers.peek())!.hour <= hour) {
      const next = (await headers.take())!;
      if (next.hour === hour) digest = next;
    }

    if (hour < sealedSince) {
      for (const event of hourEvents) {
        if (event.hmac === undefined) checked.unsealed++;
        else byHmacAlone([event], 'written before the audit was sealed');
      }
    } else if (digest) {
      checked.digests++;
      const content = checkDigest(key, tenant, hour, digest);
      settleMissing(content);
      if (!content) {
        alteredDigests.add(hour);
        problem({
          kind: 'digest-altered',
          at: hour,
          message: `the digest of the hour from ${hour} does not match its HMAC, or is not that hour's digest`,
        });
        byHmacAlone(hourEvents, 'its digest is altered');
      } else {
        checkLink(content, hour, before, hour === startHour);
        if (Date.parse(content.createdAt) - (Date.parse(to) + digestGraceMs) > lateDigestMs) {
          lateDigest ??= { hour, createdAt: content.createdAt };
        }
        const entries = await entriesOf(tenant, digest, content);
        read += content.events;
        if (!entries) {
          alteredDigests.add(hour);
          problem({
            kind: 'digest-altered',
            at: hour,
            message: `a part of the digest of the hour from ${hour} is missing or altered`,
          });
          byHmacAlone(hourEvents, 'its digest is altered');
        } else {
          compare(entries, hourEvents);
        }
      }
    } else if (digestedThrough !== undefined && hour < digestedThrough && hourClosed(hour, now)) {
      missing.push(hour);
      byHmacAlone(hourEvents, 'its digest is missing');
    } else {
      undigested += hourEvents.length;
      byHmacAlone(hourEvents, 'not digested yet');
    }
    before = digest;
    hour = to;
  }
  if (missing.length > 0) {
    // The hours checked ended in missing digests: the next digest (beyond the range) decides.
    const next = cursorOver(
      deps.digests.headers(tenant, nextHour(missing.at(-1)!), digestedThrough ?? lastHour),
    );
    const found = await next.peek();
    settleMissing(found ? parseDigest(found.content) : undefined);
  }

  function checkLink(content: DigestContent, at: string, previous: StoredDigest | undefined, first: boolean) {
    if (content.previous === null) {
      if (at !== sealedSince) {
        problem({
          kind: 'digest-altered',
          at,
          message: `the digest of the hour from ${at} starts a chain, which starts at ${sealedSince}`,
        });
      }
      return;
    }
    if (content.previous.from !== hourBefore(at)) {
      problem({
        kind: 'digest-altered',
        at,
        message: `the digest of the hour from ${at} names another hour before it`,
      });
    } else if (previous) {
      if (sha256(previous.content) !== content.previous.sha256 && !alteredDigests.has(previous.hour)) {
        problem({
          kind: 'digest-altered',
          at: previous.hour,
          message: `the digest of the hour from ${previous.hour} changed after the next one was written`,
        });
      }
    } else if (first && content.previous.expiresAt > nowSeconds) {
      problem({
        kind: 'digest-removed',
        at: content.previous.from,
        message: `the digest of the hour from ${content.previous.from} is missing: the chain is broken`,
      });
    }
  }

  async function entriesOf(
    forTenant: string,
    digest: StoredDigest,
    content: DigestContent,
  ): Promise<DigestEntry[] | undefined> {
    if (content.parts.length === 0) return content.events === 0 ? [] : undefined;
    const texts = await deps.digests.parts(forTenant, digest);
    if (texts.length !== content.parts.length) return undefined;
    const entries: DigestEntry[] = [];
    for (const [i, text] of texts.entries()) {
      const part = parsePart(text);
      if (!part || sha256(text) !== content.parts[i]!.sha256 || part.length !== content.parts[i]!.events) {
        return undefined;
      }
      entries.push(...part);
    }
    return entries.length === content.events ? entries : undefined;
  }

  function compare(entries: DigestEntry[], hourEvents: AuditRecord[]) {
    const listed = new Map(entries.map((entry) => [entry[0], entry]));
    const present = new Set(hourEvents.map((event) => event.id));
    for (const [id, action, , expiresAt] of entries) {
      if (present.has(id)) continue;
      if (expiresAt !== null && expiresAt <= nowSeconds) {
        checked.expired++;
        continue;
      }
      problem({
        kind: 'removed',
        ...partsOfId(id),
        action,
        id,
        message: 'the digest lists this event, and it is no longer in the audit',
      });
    }
    for (const event of hourEvents) {
      const entry = listed.get(event.id);
      const where = { at: event.at, requestId: event.requestId, action: event.action, id: event.id };
      if (!entry) {
        problem({ kind: 'inserted', ...where, message: 'the digest of its hour does not list this event' });
      } else if (!sameHmac(event.hmac, entry[2] ?? undefined) || !hmacHolds(event)) {
        problem({
          kind: 'altered',
          ...where,
          message: "its fields no longer match the HMAC it was written with (and its hour's digest lists)",
        });
      }
    }
  }

  problems.sort((a, b) =>
    a.at === b.at ? (a.id ?? '').localeCompare(b.id ?? '') : a.at.localeCompare(b.at),
  );
  if (undigested > 0) {
    notes.push(
      `${undigested} event${undigested === 1 ? '' : 's'} after ${digestedThrough ?? sealedSince} ` +
        `${undigested === 1 ? 'is' : 'are'} not covered by a digest yet (each hour is digested 20 minutes ` +
        'after it ends): checked by HMAC alone, which shows an event altered or made without the key, ' +
        'not one removed',
    );
  }
  const expectedThrough = hourOf(now - hourMs - digestGraceMs);
  if ((digestedThrough ?? sealedSince) < expectedThrough) {
    notes.push(
      `the latest digest ends at ${digestedThrough ?? sealedSince}, although every hour up to ` +
        `${expectedThrough} should be digested by now: the digest job has not run since, or the newest ` +
        'digests were deleted',
    );
  }
  if (lateDigest) {
    notes.push(
      `the digest of the hour from ${lateDigest.hour} was written late (${lateDigest.createdAt}): the ` +
        'digest job was not running then, or the digests from that hour were deleted and written again ' +
        '(which a digest written again cannot show)',
    );
  }
  if (checked.unsealed > 0) {
    notes.push(
      `${checked.unsealed} event${checked.unsealed === 1 ? '' : 's'} from before ${sealedSince}, when the ` +
        'audit was sealed, carry no HMAC: not checked',
    );
  }
  const checkedTo = cursor === undefined ? Math.min(Date.parse(nextHour(lastHour)), now) : Date.parse(hour);
  return {
    tenant,
    from: startHour,
    to: new Date(checkedTo).toISOString(),
    intact: problems.length === 0,
    complete: cursor === undefined,
    ...(cursor === undefined ? {} : { cursor }),
    sealedSince,
    ...(digestedThrough ? { digestedThrough } : {}),
    checked,
    ...(problems[0] ? { firstProblem: problems[0] } : {}),
    problems: problems.length,
    notes,
  };
}

function hourBefore(hour: string): string {
  return new Date(Date.parse(hour) - hourMs).toISOString();
}

/** The digest's content when its HMAC holds and it is this tenant's digest of this hour. */
function checkDigest(key: AuditKey, tenant: string, hour: string, digest: StoredDigest) {
  if (!sameHmac(digest.hmac, hmacOf(key, digest.content))) return undefined;
  const content = parseDigest(digest.content);
  return content && content.tenant === tenant && content.from === hour && content.to === nextHour(hour)
    ? content
    : undefined;
}
