/**
 * The azure-key-vault adapter. Its name mapping and value coding are checked directly; its network
 * hardening (timeouts, TLS verification, pinned address, no redirects, no proxy) against servers this
 * file starts on 127.0.0.1, each standing for a vault that misbehaves in one way.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { LookupFunction } from 'node:net';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import {
  ForbiddenError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  UnprocessableError,
  ValidationError,
} from '../../shared/errors.ts';
import { networkOptionsFor } from '../../shared/net/network-for.ts';
import {
  azureMaxNameLength,
  azureMaxValueBytes,
  azureRefFor,
  contentTypes,
  createAzureKeyVaultProvider,
  decodeAzureValue,
  encodeAzureValue,
  parseAzureRef,
} from '../../shared/providers/azure-key-vault.ts';
import type { NetworkOptions, SecretPayload } from '../../shared/providers/provider.ts';
import { selfSignedCertificate, type TestCertificate } from '../servers/test-certificate.ts';
import { StaticTokenCredential } from './azure-key-vault-fixtures.ts';

/** Resolves every name to 127.0.0.1, and counts the names it was asked for. */
function loopbackLookup(): { lookup: LookupFunction; asked: string[] } {
  const asked: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    asked.push(hostname);
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  return { lookup, asked };
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function listen(server: HttpServer | HttpsServer | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => sockets.add(socket));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test server has no port');
  return address.port;
}

interface RecordingVault {
  port: number;
  requests: { method: string; path: string; host: string }[];
}

/** An HTTPS server that answers every request with one fixed answer, and records what it was asked. */
async function answeringVault(
  certificate: TestCertificate,
  answer: { status: number; headers?: Record<string, string>; body?: unknown },
): Promise<RecordingVault> {
  const requests: RecordingVault['requests'] = [];
  const server = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (request, response) => {
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      host: request.headers.host ?? '',
    });
    request.resume();
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  return { port: await listen(server), requests };
}

const forbidden = {
  status: 403,
  body: { error: { code: 'Forbidden', message: 'The user does not have secrets list permission.' } },
};

function provider(vaultUrl: string, network: NetworkOptions = {}, credential = new StaticTokenCredential()) {
  return createAzureKeyVaultProvider({ vaultUrl }, credential, { timeoutMs: 5_000, ...network });
}

describe('azure-key-vault adapter', () => {
  describe('names', () => {
    it('maps tricky names into Key Vault characters and back, for every kind of character secretm allows', () => {
      const cases = [
        { tenant: 'acme', name: 'prod-db' },
        { tenant: 'team-a', name: 'db.prod_PASSWORD-v2' },
        { tenant: '0', name: 'A' },
        { tenant: 'a-b', name: 'c' },
        { tenant: 'a', name: 'b-c' },
        { tenant: 'x', name: 'Mixed.Case_Name-With.Dots__and--Dashes' },
        { tenant: 'edge', name: '9..__--ZZ' },
        { tenant: 'paths', name: 'payments/prod/db' },
      ];

      const refs = cases.map(({ tenant, name }) => azureRefFor(tenant, name));

      for (const [i, ref] of refs.entries()) {
        expect(ref).toMatch(/^[0-9a-z-]{1,127}$/);
        expect(parseAzureRef(ref)).toEqual(cases[i]);
        expect(parseAzureRef(ref.toUpperCase())).toEqual(cases[i]);
      }
      expect(new Set(refs).size).toBe(cases.length);
    });

    it('keeps names apart that differ only in case, although Key Vault ignores case', () => {
      const names = ['apikey', 'ApiKey', 'APIKEY', 'apiKey'];

      const refs = names.map((name) => azureRefFor('tenant', name).toLowerCase());

      expect(new Set(refs).size).toBe(names.length);
      expect(refs.map((ref) => parseAzureRef(ref)?.name)).toEqual(names);
    });

    it('accepts a combination that needs exactly 127 characters', () => {
      const tenant = 't'.repeat(63);
      const name = 'n'.repeat(azureMaxNameLength - 63 - 2);

      const ref = azureRefFor(tenant, name);

      expect(ref).toHaveLength(azureMaxNameLength);
      expect(parseAzureRef(ref)).toEqual({ tenant, name });
    });

    it('refuses a combination past 127 characters with a ValidationError naming the limit', () => {
      const tenant = 't'.repeat(63);

      const longByLength = (() => {
        try {
          return azureRefFor(tenant, 'n'.repeat(azureMaxNameLength - 63 - 1));
        } catch (error) {
          return error;
        }
      })();
      const longByEscapes = (() => {
        try {
          return azureRefFor('acme', 'UPPER'.repeat(13));
        } catch (error) {
          return error;
        }
      })();

      for (const error of [longByLength, longByEscapes]) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toContain('127');
      }
    });

    it('refuses tenants and names outside secretm’s rules', () => {
      const bad = [
        ['Acme', 'name'],
        ['-acme', 'name'],
        ['acme', '.hidden'],
        ['acme', 'with space'],
        ['acme', 'slash//name'],
        ['acme', 'slash/.name'],
        ['acme', ''],
      ] as const;

      for (const [tenant, name] of bad) expect(() => azureRefFor(tenant, name)).toThrow(ValidationError);
    });

    it('tells apart Key Vault names that secretm did not make', () => {
      expect(parseAzureRef('plain-name')).toBeUndefined();
      expect(parseAzureRef('trailing-')).toBeUndefined();
      expect(parseAzureRef('bad-9escape--x')).toBeUndefined();
      expect(parseAzureRef('under_score')).toBeUndefined();
    });

    it('is what the provider answers as refFor', () => {
      const vault = provider('https://127.0.0.1:1');

      expect(vault.refFor('team-a', 'Db.Password')).toBe(azureRefFor('team-a', 'Db.Password'));
      expect(vault.kind).toBe('azure-key-vault');
    });
  });

  describe('values', () => {
    const map: SecretPayload = {
      kind: 'map',
      data: { USER: 'app', PASSWORD: 'p@ss "quoted" 🔐', EMPTY: '' },
    };
    const text: SecretPayload = { kind: 'text', text: '{"looks":"like json"}' };
    const binary: SecretPayload = { kind: 'binary', bytes: Uint8Array.from({ length: 256 }, (_, i) => i) };

    it('stores a map as JSON, text as it is and bytes as base64, each with its content type', () => {
      expect(encodeAzureValue(map)).toEqual({
        value: JSON.stringify(map.data),
        contentType: 'application/json',
      });
      expect(encodeAzureValue(text)).toEqual({ value: text.text, contentType: 'text/plain; charset=utf-8' });
      expect(encodeAzureValue(binary)).toEqual({
        value: Buffer.from(binary.bytes).toString('base64'),
        contentType: 'application/octet-stream; base64',
      });
    });

    it('reads each kind back by its content type, with no hint', () => {
      for (const payload of [map, text, binary]) {
        const { value, contentType } = encodeAzureValue(payload);

        const read = decodeAzureValue(value, contentType);

        expect(read.kind).toBe(payload.kind);
        if (read.kind === 'binary') expect(Buffer.from(read.bytes)).toEqual(Buffer.from(binary.bytes));
        else expect(read).toEqual(payload);
      }
    });

    it('follows the kind hint: JSON text written as a file stays text, and a map hint parses JSON', () => {
      expect(decodeAzureValue('{"A":"1"}', contentTypes.map, 'text')).toEqual({
        kind: 'text',
        text: '{"A":"1"}',
      });
      expect(decodeAzureValue('{"A":"1"}', undefined, 'map')).toEqual({ kind: 'map', data: { A: '1' } });
      expect(decodeAzureValue('plain', undefined, 'binary')).toEqual({
        kind: 'binary',
        bytes: Buffer.from('plain', 'utf8'),
      });
    });

    it('detects a map in a secret written by someone else without a content type, and text otherwise', () => {
      expect(decodeAzureValue('{"HOST":"db","PORT":"5432"}', undefined)).toEqual({
        kind: 'map',
        data: { HOST: 'db', PORT: '5432' },
      });
      expect(decodeAzureValue('{"PORT":5432}', undefined)).toEqual({ kind: 'text', text: '{"PORT":5432}' });
      expect(decodeAzureValue('hunter2', '')).toEqual({ kind: 'text', text: 'hunter2' });
    });

    it('refuses to read a non-object as a map, or broken base64 as bytes, without echoing the value', () => {
      const notAMap = (() => {
        try {
          return decodeAzureValue('["canary-value"]', undefined, 'map');
        } catch (error) {
          return error;
        }
      })();
      const notBase64 = (() => {
        try {
          return decodeAzureValue('canary-value!', contentTypes.binary);
        } catch (error) {
          return error;
        }
      })();

      for (const error of [notAMap, notBase64]) {
        expect(error).toBeInstanceOf(UnprocessableError);
        expect((error as Error).message).not.toContain('canary-value');
      }
    });
  });

  describe('limits checked before any call', () => {
    it('refuses a value over 25,600 bytes without resolving the vault or asking for a token', async () => {
      const { lookup, asked } = loopbackLookup();
      const credential = new StaticTokenCredential();
      const vault = provider(`https://vault.test:${await freePort()}`, { lookup }, credential);
      const ref = vault.refFor('acme', 'big');

      const errors = [
        await rejectionOf(vault.create(ref, { kind: 'text', text: 'x'.repeat(azureMaxValueBytes + 1) })),
        await rejectionOf(vault.put(ref, { kind: 'text', text: 'é'.repeat(azureMaxValueBytes / 2 + 1) })),
        await rejectionOf(vault.create(ref, { kind: 'binary', bytes: new Uint8Array(19_201) })),
      ];

      for (const error of errors) {
        expect(error).toBeInstanceOf(PayloadTooLargeError);
        expect((error as Error).message).toContain('25600');
      }
      expect(asked).toEqual([]);
      expect(credential.calls).toBe(0);
    });

    it('lets a value of exactly 25,600 bytes through to the vault', async () => {
      const { lookup, asked } = loopbackLookup();
      const vault = provider(`https://vault.test:${await freePort()}`, { lookup });

      const error = await rejectionOf(
        vault.create(vault.refFor('acme', 'edge'), { kind: 'text', text: 'x'.repeat(azureMaxValueBytes) }),
      );

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(asked).toContain('vault.test');
    });

    it('refuses a cursor that points anywhere but this vault’s secret list, before any call', async () => {
      const { lookup, asked } = loopbackLookup();
      const vault = provider(`https://vault.test:${await freePort()}`, { lookup });
      const foreign = [
        Buffer.from('https://elsewhere.test/secrets?$skiptoken=x').toString('base64url'),
        Buffer.from(`https://vault.test:1/keys?$skiptoken=x`).toString('base64url'),
        'not a cursor',
      ];

      const errors = await Promise.all(foreign.map((cursor) => rejectionOf(vault.discover({ cursor }))));

      for (const error of errors) expect(error).toBeInstanceOf(ValidationError);
      expect(asked).toEqual([]);
    });

    it('refuses a vault URL that is not plain https', () => {
      for (const vaultUrl of ['http://127.0.0.1:8443', 'https://127.0.0.1:8443/some/path', 'not a url']) {
        expect(() => provider(vaultUrl)).toThrow(ValidationError);
      }
    });
  });

  describe('network', () => {
    let certificate: TestCertificate;

    beforeAll(async () => {
      certificate = await selfSignedCertificate(['vault.test']);
    });

    it('answers ProviderUnavailableError when nothing listens at the vault’s port', async () => {
      const vault = provider(`https://127.0.0.1:${await freePort()}`);

      const error = await rejectionOf(vault.get(vault.refFor('acme', 'db')));
      const check = await vault.test();

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/could not be reached.*ECONNREFUSED/);
      expect(check.ok).toBe(false);
      expect(check.steps[0]).toMatchObject({ step: 'reach the vault', ok: false });
    });

    it('gives up with ProviderUnavailableError after the timeout when the vault never answers', async () => {
      const silent = createTcpServer(() => {});
      const port = await listen(silent);
      const vault = provider(`https://127.0.0.1:${port}`, { timeoutMs: 500 });

      const error = await rejectionOf(vault.get(vault.refFor('acme', 'db')));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toContain('did not answer within 500 ms');
    });

    it('refuses a certificate it was not told to trust, and never sends the request', async () => {
      const server = await answeringVault(certificate, forbidden);
      const vault = provider(`https://127.0.0.1:${server.port}`);

      const error = await rejectionOf(vault.get(vault.refFor('acme', 'db')));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/certificate.*caCert/);
      expect(server.requests).toEqual([]);
    });

    it('trusts the connection’s own CA certificate, and only for that provider', async () => {
      const server = await answeringVault(certificate, forbidden);
      const trusting = provider(`https://127.0.0.1:${server.port}`, { caCert: certificate.cert });
      const other = provider(`https://127.0.0.1:${server.port}`);

      const trustedError = await rejectionOf(trusting.get(trusting.refFor('acme', 'db')));
      const otherError = await rejectionOf(other.get(other.refFor('acme', 'db')));

      expect(trustedError).toBeInstanceOf(ForbiddenError);
      expect((trustedError as Error).message).toContain("refused the connection's credentials");
      expect(otherError).toBeInstanceOf(ProviderUnavailableError);
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.every((request) => request.path.startsWith('/secrets/acme--db'))).toBe(true);
    });

    it('connects to the address its lookup answers, keeping the vault’s host name for TLS and Host', async () => {
      const server = await answeringVault(certificate, forbidden);
      const { lookup, asked } = loopbackLookup();
      const vault = provider(`https://vault.test:${server.port}`, { lookup, caCert: certificate.cert });

      const error = await rejectionOf(vault.get(vault.refFor('acme', 'db')));

      expect(error).toBeInstanceOf(ForbiddenError);
      expect(asked).toContain('vault.test');
      expect(server.requests[0]?.host).toBe(`vault.test:${server.port}`);
    });

    it('does not follow a redirect, so the token never reaches the address it names', async () => {
      const elsewhere = await answeringVault(certificate, forbidden);
      const redirecting = await answeringVault(certificate, {
        status: 307,
        headers: { location: `https://127.0.0.1:${elsewhere.port}/secrets/acme--db` },
      });
      const vault = provider(`https://127.0.0.1:${redirecting.port}`, { caCert: certificate.cert });

      const error = await rejectionOf(vault.get(vault.refFor('acme', 'db')));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toContain('redirect (307)');
      expect(redirecting.requests.length).toBeGreaterThan(0);
      expect(elsewhere.requests).toEqual([]);
    });

    it('ignores HTTPS_PROXY, which would bypass the pinned address', async () => {
      const server = await answeringVault(certificate, forbidden);
      let proxyConnections = 0;
      const proxy = createHttpServer();
      proxy.on('connect', (_request, socket: Socket) => {
        proxyConnections++;
        socket.destroy();
      });
      const proxyPort = await listen(proxy);
      const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, https_proxy: process.env.https_proxy };
      process.env.HTTPS_PROXY = `http://127.0.0.1:${proxyPort}`;
      process.env.https_proxy = `http://127.0.0.1:${proxyPort}`;
      let error: unknown;
      try {
        const vault = provider(`https://127.0.0.1:${server.port}`, { caCert: certificate.cert });

        error = await rejectionOf(vault.get(vault.refFor('acme', 'db')));
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }

      expect(error).toBeInstanceOf(ForbiddenError);
      expect(proxyConnections).toBe(0);
      expect(server.requests.length).toBeGreaterThan(0);
    });

    it('says in test() only that the address was refused, when the connection’s guard refuses it, and never dials', async () => {
      // The injected resolver answers 127.0.0.1, which the guard refuses outside local mode.
      const server = await answeringVault(certificate, forbidden);
      const guarded = networkOptionsFor(new URL(`https://vault.test:${server.port}`), {
        allowLoopback: false,
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        caCert: certificate.cert,
      });
      const credential = new StaticTokenCredential();
      const vault = provider(`https://vault.test:${server.port}`, guarded, credential);

      const check = await vault.test();
      const error = await rejectionOf(vault.get(vault.refFor('acme', 'db')));

      expect(check.ok).toBe(false);
      expect(check.steps).toEqual([
        {
          step: 'reach the vault',
          ok: false,
          message: expect.stringMatching(/resolves to 127\.0\.0\.1, a loopback address/),
        },
      ]);
      expect(error).toBeInstanceOf(ValidationError);
      expect(server.requests).toEqual([]);
      expect(credential.calls).toBe(0);
    });

    it('says in test() that the vault answered and took the credentials but refused to list', async () => {
      const server = await answeringVault(certificate, forbidden);
      const vault = provider(`https://127.0.0.1:${server.port}`, { caCert: certificate.cert });

      const check = await vault.test();

      expect(check.ok).toBe(false);
      expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
        ['reach the vault', true],
        ['authenticate', true],
        ['list secrets', false],
      ]);
      expect(check.steps[2]?.message).toMatch(/Key Vault Secrets Officer/);
    });
  });

  it('never puts the secret value in an error message', async () => {
    const canary = `canary-${randomUUID()}`;
    const vault = provider(`https://127.0.0.1:${await freePort()}`);

    const error = await rejectionOf(vault.create(vault.refFor('acme', 'db'), { kind: 'text', text: canary }));

    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(String(error)).not.toContain(canary);
    expect(JSON.stringify(error)).not.toContain(canary);
  });
});
