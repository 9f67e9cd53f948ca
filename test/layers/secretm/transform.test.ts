import { describe, expect, it } from 'vitest';
import { checkTransform, derive, wholeValue } from '../../../layers/secretm/src/transform.ts';
import { NotFoundError, UnprocessableError, ValidationError } from '../../../shared/errors.ts';
import type { SecretPayload } from '../../../shared/providers/provider.ts';

const map: SecretPayload = { kind: 'map', data: { USER: 'app', CONFIG: '{"a":1}' } };
const jsonText: SecretPayload = { kind: 'text', text: '{"user":"app","port":5432,"nested":{"x":true}}' };
const bytes: SecretPayload = { kind: 'binary', bytes: new Uint8Array(Buffer.from('aGVsbG8=')) };

describe('derive', () => {
  it('answers text, bytes, and a map as its JSON text without options', () => {
    expect(derive({ kind: 'text', text: 't' }, 's', undefined, undefined)).toBe('t');
    expect(derive(bytes, 's', undefined, undefined)).toEqual(bytes.kind === 'binary' && bytes.bytes);
    expect(JSON.parse(derive(map, 's', undefined, undefined) as string)).toEqual(
      map.kind === 'map' && map.data,
    );
  });

  it('answers a key of a map or of a JSON object held as text, non-strings as JSON text', () => {
    expect(derive(map, 's', 'USER', undefined)).toBe('app');
    expect(derive(jsonText, 's', 'port', undefined)).toBe('5432');
    expect(derive(jsonText, 's', 'nested', undefined)).toBe('{"x":true}');
  });

  it('parses JSON, from a key too, and freezes what it answers', () => {
    const parsed = derive(jsonText, 's', undefined, 'json') as { nested: object };
    const fromKey = derive(map, 's', 'CONFIG', 'json');
    const nested = derive(jsonText, 's', 'nested', 'json');

    expect(parsed).toMatchObject({ user: 'app', port: 5432 });
    expect(Object.isFrozen(parsed.nested)).toBe(true);
    expect(fromKey).toEqual({ a: 1 });
    expect(nested).toEqual({ x: true });
  });

  it('decodes base64 to text for binary, as Powertools does, and picks by suffix for auto', () => {
    expect(derive(bytes, 's', undefined, 'binary')).toBe('hello');
    expect(derive({ kind: 'text', text: 'aGVsbG8=' }, 'cert.binary', undefined, 'auto')).toBe('hello');
    expect(derive({ kind: 'text', text: '{"a":2}' }, 'cfg.json', undefined, 'auto')).toEqual({ a: 2 });
    expect(derive({ kind: 'text', text: '{"a":2}' }, 'cfg', undefined, 'auto')).toBe('{"a":2}');
  });

  it('refuses a missing key, a key of a binary value, bad JSON and bad base64', () => {
    expect(() => derive(map, 's', 'NOPE', undefined)).toThrow(NotFoundError);
    expect(() => derive(bytes, 's', 'k', undefined)).toThrow(NotFoundError);
    expect(() => derive({ kind: 'text', text: 'nope' }, 's', undefined, 'json')).toThrow(UnprocessableError);
    expect(() => derive({ kind: 'text', text: '%%%' }, 's', undefined, 'binary')).toThrow(UnprocessableError);
  });
});

describe('checkTransform', () => {
  it('accepts the transforms in any case and refuses others', () => {
    expect(checkTransform('JSON')).toBe('json');
    expect(checkTransform(undefined)).toBeUndefined();
    expect(() => checkTransform('yaml')).toThrow(ValidationError);
  });
});

describe('wholeValue', () => {
  it('answers a map as an object for templates to walk', () => {
    expect(wholeValue(map)).toEqual(map.kind === 'map' && map.data);
  });
});
