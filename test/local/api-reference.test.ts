/**
 * Local mode serves a rendered API reference at /docs: a page of its own origin's files only (the
 * renderer bundled from node_modules, no CDN), under a strict Content-Security-Policy, that renders
 * the API's own OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from './local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(async () => {
  await api.stop();
});

const scriptsOf = (html: string) => [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
const srcOf = (attributes: string) => /\bsrc="([^"]+)"/.exec(attributes)?.[1];

describe('the API reference at /docs', () => {
  it('is a page that loads only its own origin’s files, with no inline script', async () => {
    const page = await api.request('GET', '/docs', { key: null });

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const scripts = scriptsOf(page.text);
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(srcOf(attributes!)).toMatch(/^\/docs\//);
      expect(body!.trim()).toBe('');
    }
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(page.text).not.toMatch(/\sstyle=|<style/);
  });

  it('is under a strict Content-Security-Policy: same origin only, nothing inline, no framing', async () => {
    const page = await api.request('GET', '/docs', { key: null });
    const csp = page.headers.get('content-security-policy') ?? '';

    const directives = Object.fromEntries(
      csp.split(';').map((directive) => {
        const [name, ...values] = directive.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves every file the page loads, from the bundled renderer, with its type', async () => {
    const page = await api.request('GET', '/docs', { key: null });
    const stylesheets = [...page.text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!);
    const scripts = scriptsOf(page.text).map(([, attributes]) => srcOf(attributes!)!);

    for (const path of stylesheets) {
      const file = await api.request('GET', path, { key: null });
      expect(file.status, path).toBe(200);
      expect(file.headers.get('content-type'), path).toMatch(/^text\/css/);
    }
    for (const path of scripts) {
      const file = await api.request('GET', path, { key: null });
      expect(file.status, path).toBe(200);
      expect(file.headers.get('content-type'), path).toMatch(/^text\/javascript/);
    }
    const bundle = await api.request('GET', '/docs/swagger-ui-bundle.js', { key: null });
    expect(bundle.text).toContain('SwaggerUIBundle');
  });

  it('renders the API’s own OpenAPI document, which the same origin serves', async () => {
    const start = await api.request('GET', '/docs/start.js', { key: null });
    const url = /url: '([^']+)'/.exec(start.text)?.[1];

    expect(url).toBe('/v1/openapi.json');
    expect(start.text).toContain('validatorUrl: null');
    const document = await api.request('GET', url!, { key: null });
    expect(document.json.openapi).toBe('3.1.0');
  });

  it('serves nothing else under /docs, and only to GET and HEAD', async () => {
    const other = await api.request('GET', '/docs/package.json', { key: null });
    const traversal = await api.request('GET', '/docs/..%2Fpackage.json', { key: null });
    const post = await api.request('POST', '/docs', { key: null, rawBody: 'x' });
    const head = await api.request('HEAD', '/docs', { key: null });

    expect(other.status).toBe(404);
    expect(traversal.status).toBe(404);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('leaves the API’s own routes to the API', async () => {
    const health = await api.request('GET', '/v1/health', { key: null });
    const unknown = await api.request('GET', '/docsx', { key: null });

    expect(health.json).toEqual({ status: 'ok' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBeDefined();
  });
});
