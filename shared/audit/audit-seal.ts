/**
 * What makes the audit tamper-evident, as text and arithmetic (no I/O):
 *
 * - every event carries an HMAC-SHA256, under its tenant's audit key, of one canonical text of all its
 *   fields, its sort key and its expiry (`eventText`);
 * - every hour of a tenant's audit is covered by a digest (audit-digests.ts): the sort key, action,
 *   HMAC and expiry of each of its events (in parts), the SHA-256 of each part, and the SHA-256 of the
 *   digest of the hour before, so the digests form a chain; the digest's text is HMAC'd too.
 *
 * The model is Vault's HMAC'd audit devices and CloudTrail's log file integrity validation (hourly
 * digest files, each naming the one before). What it proves, and what it cannot: docs/audit.md.
 */
import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { AuditEvent } from './audit-types.ts';

/** A tenant's audit key: 32 random bytes secretm keeps in its system vault (audit-keys.ts). */
export interface AuditKey {
  tenant: string;
  secret: Buffer;
  /** When the key was made: the tenant's audit is sealed from then on. */
  createdAt: string;
}

export const hourMs = 3_600_000;

/**
 * An hour's digest is written once the hour is over by this much: longer than any secretm function
 * runs (Lambda's limit is 15 minutes), so every event that carries a time in the hour has been
 * written by then, or its writer has stopped.
 */
export const digestGraceMs = 20 * 60_000;

/** The start of the hour `time` falls in, as an ISO time. */
export function hourOf(time: number): string {
  return new Date(Math.floor(time / hourMs) * hourMs).toISOString();
}

export function nextHour(hour: string): string {
  return new Date(Date.parse(hour) + hourMs).toISOString();
}

/** Whether the digest of the hour starting at `hour` may be written at `now`. */
export function hourClosed(hour: string, now: number): boolean {
  return Date.parse(hour) + hourMs + digestGraceMs <= now;
}

/**
 * The first hour the digests cover: the hour before the key was made (an event whose time was taken
 * just before its writer made the key still falls in a digested hour).
 */
export function chainStart(key: AuditKey): string {
  return new Date(Date.parse(hourOf(Date.parse(key.createdAt))) - hourMs).toISOString();
}

const eventFormat = 'secretm-audit-event/1';

/** The text an event's HMAC is computed over: every field, the sort key and the expiry, in a fixed order. */
export function eventText(sk: string, event: AuditEvent, expiresAt: number | undefined): string {
  return JSON.stringify([
    eventFormat,
    sk,
    event.tenant,
    event.actor,
    event.action,
    event.target,
    event.outcome,
    event.reason ?? null,
    event.requestId,
    event.sourceIp,
    event.userAgent ?? null,
    event.at,
    expiresAt ?? null,
  ]);
}

/** Each audit key's bytes as a KeyObject, made once: an HMAC keyed by one skips importing the bytes. */
const preparedKeys = new WeakMap<Buffer, KeyObject>();

export function hmacOf(key: AuditKey, text: string): string {
  let prepared = preparedKeys.get(key.secret);
  if (!prepared) {
    prepared = createSecretKey(key.secret);
    preparedKeys.set(key.secret, prepared);
  }
  return createHmac('sha256', prepared).update(text, 'utf8').digest('base64url');
}

/** Compares two HMACs in constant time. */
export function sameHmac(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** One event as a digest lists it: sort key, action, HMAC (null when it had none), expiry (epoch seconds). */
export type DigestEntry = [sk: string, action: string, hmac: string | null, expiresAt: number | null];

export const digestFormat = 'secretm-audit-digest/1';

/** What a digest says, HMAC'd as the exact text it is stored as. */
export interface DigestContent {
  format: typeof digestFormat;
  tenant: string;
  /** The hour covered: [from, to). */
  from: string;
  to: string;
  /** How many events the hour held when the digest was written. */
  events: number;
  /** The parts listing those events in sort-key order (JSON arrays of DigestEntry), by SHA-256. */
  parts: { sha256: string; events: number }[];
  /** The digest of the hour before (null for the first of the chain): its hour, SHA-256 and expiry. */
  previous: { from: string; sha256: string; expiresAt: number } | null;
  createdAt: string;
  /** Epoch seconds: no earlier than the expiry of any event it covers. */
  expiresAt: number;
}

/** The content of a digest's text, or undefined when the text is not a digest. */
export function parseDigest(text: string): DigestContent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const content = parsed as Partial<DigestContent> | null;
  if (
    !content ||
    content.format !== digestFormat ||
    typeof content.tenant !== 'string' ||
    typeof content.from !== 'string' ||
    typeof content.to !== 'string' ||
    typeof content.events !== 'number' ||
    !Array.isArray(content.parts) ||
    typeof content.expiresAt !== 'number'
  ) {
    return undefined;
  }
  return content as DigestContent;
}

/** The entries of a part's text, or undefined when the text is not a part. */
export function parsePart(text: string): DigestEntry[] | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) && parsed.every((entry) => Array.isArray(entry) && entry.length === 4)
      ? (parsed as DigestEntry[])
      : undefined;
  } catch {
    return undefined;
  }
}
