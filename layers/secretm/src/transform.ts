/**
 * From a vault payload to what `getSecret` answers, for one `key` and `transform`:
 * - no key, no transform: text as a string, bytes as a Uint8Array, a key/value map as its JSON text
 *   (what Powertools' `getSecret` answers for the same AWS secret);
 * - `key`: one key of a map, or of a JSON object held as text; a string, or the JSON text of a
 *   non-string value;
 * - `transform: 'json'`: the parsed value (a map as an object); `'binary'`: base64-decoded to UTF-8 text
 *   (as Powertools); `'auto'`: `json` for names ending `.json`, `binary` for `.binary`, else none.
 * Parsed values are frozen, deeply: every caller shares the cached object, so none may change it for
 * the others.
 */
import { NotFoundError, UnprocessableError, ValidationError } from '../../../shared/errors.ts';
import type { SecretPayload } from '../../../shared/providers/provider.ts';

export const transforms = ['json', 'binary', 'auto'] as const;
export type Transform = (typeof transforms)[number];

export function checkTransform(transform: unknown): Transform | undefined {
  if (transform === undefined) return undefined;
  if (typeof transform === 'string') {
    const lower = transform.toLowerCase();
    if ((transforms as readonly string[]).includes(lower)) return lower as Transform;
  }
  throw new ValidationError(`transform must be one of ${transforms.join(', ')}`, {
    details: [{ path: 'transform', message: `one of ${transforms.join(', ')}` }],
  });
}

/** The whole value, walkable by templates: a map as an object, text as text, bytes as bytes. */
export function wholeValue(payload: SecretPayload): unknown {
  switch (payload.kind) {
    case 'map':
      return payload.data;
    case 'text':
      return payload.text;
    case 'binary':
      return payload.bytes;
  }
}

export function derive(
  payload: SecretPayload,
  label: string,
  key: string | undefined,
  transform: Transform | undefined,
): unknown {
  let value: unknown;
  let parsed = false;
  if (key !== undefined) {
    const container =
      payload.kind === 'map' ? payload.data : payload.kind === 'text' ? jsonObject(payload.text) : undefined;
    if (container === undefined || !Object.hasOwn(container, key)) {
      throw new NotFoundError(
        container === undefined
          ? `the secret "${label}" holds no keys (it is ${payload.kind === 'binary' ? 'binary' : 'text'}); read it without key`
          : `the secret "${label}" has no key "${key}"`,
      );
    }
    value = container[key];
    parsed = typeof value !== 'string';
  } else {
    value = payload.kind === 'map' ? payload.data : payload.kind === 'text' ? payload.text : payload.bytes;
    parsed = payload.kind === 'map';
  }
  const method =
    transform === 'auto'
      ? label.toLowerCase().endsWith('.json')
        ? 'json'
        : label.toLowerCase().endsWith('.binary')
          ? 'binary'
          : undefined
      : transform;
  if (method === 'json') {
    if (parsed) return deepFreeze(structuredClone(value));
    try {
      return deepFreeze(JSON.parse(asText(value)));
    } catch (error) {
      throw new UnprocessableError(`the value of "${label}" is not JSON; read it without transform: 'json'`, {
        cause: error,
      });
    }
  }
  if (parsed) value = JSON.stringify(value);
  if (method === 'binary') {
    const text = asText(value).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw new UnprocessableError(
        `the value of "${label}" is not base64; read it without transform: 'binary'`,
      );
    }
    return new TextDecoder('utf-8').decode(Buffer.from(text, 'base64'));
  }
  return value;
}

function asText(value: unknown): string {
  return value instanceof Uint8Array ? new TextDecoder('utf-8').decode(value) : String(value);
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
