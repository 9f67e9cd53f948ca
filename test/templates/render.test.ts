import { describe, expect, it } from 'vitest';
import {
  NotFoundError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  UnprocessableError,
  ValidationError,
} from '../../shared/errors.ts';
import { parseTemplate, renderTemplate, templateLimits } from '../../shared/templates/render.ts';

/** A resolver over fixed values that records which names it was asked for. */
function resolverOf(values: Record<string, unknown>) {
  const asked: string[] = [];
  const resolve = (name: string) => {
    asked.push(name);
    if (!Object.hasOwn(values, name)) throw new NotFoundError(`no secret ${name}`);
    return values[name];
  };
  return { resolve, asked };
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the render succeeded, but it should have been refused');
}

describe('renderTemplate', () => {
  it('replaces a key of a map secret and keeps the text around it', async () => {
    const { resolve } = resolverOf({ 'prod-db': { username: 'app', password: 'pw-1' } });

    const out = await renderTemplate(
      'postgres://{{secrets.prod-db.username}}:{{ secrets.prod-db.password }}@db',
      resolve,
    );

    expect(out).toBe('postgres://app:pw-1@db');
  });

  it('renders bytes as the UTF-8 text they hold, walking JSON in them, and refuses bytes that are not text', async () => {
    const { resolve } = resolverOf({
      'tls-key': new TextEncoder().encode('key bytes'),
      'cfg-file': new TextEncoder().encode('{"db":{"host":"db-1"}}'),
      keystore: Uint8Array.from([0xff, 0x00, 0xfe]),
    });

    const out = await renderTemplate('{{secrets.tls-key}} {{secrets.cfg-file.db.host}}', resolve);
    const binary = await rejectionOf(renderTemplate('{{secrets.keystore}}', resolve));

    expect(out).toBe('key bytes db-1');
    expect(binary).toBeInstanceOf(UnprocessableError);
    expect((binary as Error).message).toMatch(/binary/);
  });

  it('walks nested JSON to any depth, through a JSON string held by a key and through arrays', async () => {
    const { resolve } = resolverOf({
      cfg: { db: JSON.stringify({ primary: { host: 'db-1', ports: [5432, 6432] } }) },
      doc: '{"a":{"b":{"c":{"d":true}}}}',
    });

    const out = await renderTemplate(
      '{{secrets.cfg.db.primary.host}}:{{secrets.cfg.db.primary.ports.1}} {{secrets.doc.a.b.c.d}}',
      resolve,
    );

    expect(out).toBe('db-1:6432 true');
  });

  it('renders the whole value of a text secret', async () => {
    const { resolve } = resolverOf({ banner: 'hello' });

    const out = await renderTemplate('[{{secrets.banner}}]', resolve);

    expect(out).toBe('[hello]');
  });

  it('reads names and keys with other characters when written in brackets', async () => {
    const { resolve } = resolverOf({ 'app.config': { 'key with space': 'v1', 'a.b': 'v2' } });

    const out = await renderTemplate(
      '{{secrets["app.config"]["key with space"]}} {{secrets["app.config"]["a.b"]}}',
      resolve,
    );

    expect(out).toBe('v1 v2');
  });

  it('keeps \\{{ as a literal {{, and reads \\\\{{ as one backslash and a reference', async () => {
    const { resolve } = resolverOf({ a: { k: 'v' } });

    const out = await renderTemplate('\\{{secrets.a.k}} and \\\\{{secrets.a.k}} and }} alone', resolve);

    expect(out).toBe('{{secrets.a.k}} and \\v and }} alone');
  });

  it('never renders a substituted value again', async () => {
    const { resolve, asked } = resolverOf({ outer: { k: '{{secrets.inner.k}}' }, inner: { k: 'secret' } });

    const out = await renderTemplate('{{secrets.outer.k}}', resolve);

    expect(out).toBe('{{secrets.inner.k}}');
    expect(asked).toEqual(['outer']);
  });

  it('asks for each secret once however often it is referenced', async () => {
    const { resolve, asked } = resolverOf({ a: { x: '1', y: '2' } });

    await renderTemplate('{{secrets.a.x}}{{secrets.a.y}}{{secrets.a.x}}', resolve);

    expect(asked).toEqual(['a']);
  });

  it('names the reference, line and column of a missing key', async () => {
    const { resolve } = resolverOf({ 'prod-db': { password: 'pw' } });

    const error = await rejectionOf(renderTemplate('line one\n  {{secrets.prod-db.pasword}}', resolve));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as Error).message).toContain('{{secrets.prod-db.pasword}}');
    expect((error as Error).message).toContain('line 2, column 3');
    expect((error as Error).message).toContain('no key "pasword"');
    expect((error as Error).message).not.toContain('pw');
  });

  it('names the reference of a secret that does not exist', async () => {
    const { resolve } = resolverOf({});

    const error = await rejectionOf(renderTemplate('{{secrets.nope.key}}', resolve));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as Error).message).toContain('{{secrets.nope.key}}');
    expect((error as Error).message).toContain('no secret "nope"');
  });

  it('refuses a reference that stops at an object, without printing the object', async () => {
    const { resolve } = resolverOf({ db: { user: 'app', password: 'pw' } });

    const error = await rejectionOf(renderTemplate('{{secrets.db}}', resolve));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as Error).message).toContain('name a single key');
    expect((error as Error).message).not.toContain('pw');
  });

  it('lets an unreachable vault through as it is', async () => {
    const unavailable = new ProviderUnavailableError('vault down');

    const error = await rejectionOf(
      renderTemplate('{{secrets.a.b}}', () => {
        throw unavailable;
      }),
    );

    expect(error).toBe(unavailable);
  });
});

describe('parseTemplate', () => {
  it('splits literals and references with their paths', () => {
    const parts = parseTemplate('a{{secrets.x.y.z}}b');

    expect(parts).toEqual([
      { literal: 'a' },
      { reference: { name: 'x', path: ['y', 'z'], text: 'secrets.x.y.z', line: 1, column: 2 } },
      { literal: 'b' },
    ]);
  });

  it.each([
    ['an unclosed reference', 'a {{secrets.x.y', 'never closed'],
    ['a reference to something other than secrets', '{{ env.HOME }}', '{{secrets.NAME.KEY}}'],
    ['an empty segment', '{{secrets..x}}', 'after "."'],
    ['a reference without a name', '{{secrets}}', 'names a secret'],
    ['a bad bracket', '{{secrets["x}}', 'JSON string'],
  ])('refuses %s, saying where', (_case, template, message) => {
    let error: unknown;
    try {
      parseTemplate(template);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('line 1, column');
    expect((error as Error).message).toContain(message);
  });

  it('refuses a template over 64 KiB', () => {
    const template = 'x'.repeat(templateLimits.maxBytes + 1);

    expect(() => parseTemplate(template)).toThrow(PayloadTooLargeError);
  });

  it('accepts exactly 100 references and refuses the 101st', () => {
    const hundred = '{{secrets.a.b}}'.repeat(templateLimits.maxReferences);

    expect(parseTemplate(hundred)).toHaveLength(templateLimits.maxReferences);
    expect(() => parseTemplate(`${hundred}{{secrets.a.b}}`)).toThrow(ValidationError);
  });
});
