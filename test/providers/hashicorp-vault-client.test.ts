/**
 * How the hashicorp-vault adapter talks to its vault: AppRole login and renewal, static tokens, the
 * per-connection agent (custom lookup, private CA, bounded calls, no redirects), and how failures
 * map to typed errors. Against the live OpenBao, plus small loopback servers for faults OpenBao
 * cannot produce (silence, redirects).
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { LookupFunction } from 'node:net';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import { ForbiddenError, ProviderUnavailableError, UnauthorizedError } from '../../shared/errors.ts';
import {
  createHashicorpVaultProvider,
  type HashicorpVaultConfig,
  type HashicorpVaultCredentials,
} from '../../shared/providers/hashicorp-vault.ts';
import type { NetworkOptions, SecretProvider } from '../../shared/providers/provider.ts';
import { type OpenBao, startOpenBao } from '../servers/openbao.ts';
import {
  appRoleWithPolicy,
  baoApi,
  baoOk,
  enableKvV2,
  kvPolicy,
  uniqueName,
} from './hashicorp-vault-fixtures.ts';

function kv(
  mount: string,
  credentials: HashicorpVaultCredentials,
  overrides: Partial<HashicorpVaultConfig> = {},
  network?: NetworkOptions,
): SecretProvider {
  return createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount }, ...overrides },
    credentials,
    network,
  );
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

describe('hashicorp-vault client', () => {
  let mount: string;

  beforeAll(async () => {
    mount = await enableKvV2();
  });

  describe('AppRole', () => {
    it('keeps reading after the token TTL and max TTL have passed, by renewing and logging in again', async () => {
      const { roleId, secretId } = await appRoleWithPolicy(kvPolicy(mount), {
        tokenTtl: '2s',
        tokenMaxTtl: '4s',
      });
      const provider = kv(mount, { roleId, secretId });
      const ref = provider.refFor('tenant-a', `renewed-${randomUUID()}`);
      await provider.create(ref, { kind: 'text', text: 'still readable' });
      const direct = await baoOk('auth/approle/login', {
        body: { role_id: roleId, secret_id: secretId },
        token: '',
      });
      const expiredToken = direct.auth!.client_token;

      const reads: string[] = [];
      for (let i = 0; i < 14; i++) {
        await sleep(500);
        const read = await provider.get(ref);
        reads.push(read.payload.kind === 'text' ? read.payload.text : read.payload.kind);
      }

      expect(reads).toEqual(Array.from({ length: 14 }, () => 'still readable'));
      expect((await baoApi(`${mount}/data/${ref}`, { token: expiredToken })).status).toBe(403);
    });

    it('logs in again and retries once when its token was revoked behind its back', async () => {
      const namespace = uniqueName('revoked');
      await baoOk(`sys/namespaces/${namespace}`, { body: {} });
      const nsMount = await enableKvV2(namespace);
      const { roleId, secretId } = await appRoleWithPolicy(kvPolicy(nsMount), { namespace });
      const provider = kv(nsMount, { roleId, secretId }, { namespace });
      const ref = provider.refFor('tenant-a', 'survives-revocation');
      await provider.create(ref, { kind: 'map', data: { A: '1' } });

      await baoOk('sys/leases/revoke-prefix/auth/approle/login', { method: 'PUT', body: {}, namespace });
      const read = await provider.get(ref);

      expect(read.payload).toEqual({ kind: 'map', data: { A: '1' } });
    });

    it('answers a wrong secret_id with an UnauthorizedError that says what to check and names no secret', async () => {
      const { roleId } = await appRoleWithPolicy(kvPolicy(mount));
      const wrongSecretId = randomUUID();
      const provider = kv(mount, { roleId, secretId: wrongSecretId });

      const error = await rejectionOf(provider.get(provider.refFor('tenant-a', 'anything')));
      const check = await provider.test();

      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toMatch(/the vault refused the connection's credentials/);
      expect((error as Error).message).toMatch(/role_id and secret_id/);
      expect((error as Error).message).not.toContain(wrongSecretId);
      expect((error as Error).message).not.toContain(roleId);
      expect(check.ok).toBe(false);
      expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
        ['reach', true],
        ['authenticate', false],
      ]);
    });
  });

  describe('static token', () => {
    it('reads and writes with a token it was given', async () => {
      const policy = uniqueName('token-policy');
      await baoOk(`sys/policies/acl/${policy}`, { body: { policy: kvPolicy(mount) } });
      const token = (await baoOk('auth/token/create', { body: { policies: [policy], ttl: '1h' } })).auth!
        .client_token;
      const provider = kv(mount, { token });
      const ref = provider.refFor('tenant-a', `with-token-${randomUUID()}`);

      await provider.create(ref, { kind: 'map', data: { A: '1' } });
      const check = await provider.test();

      expect((await provider.get(ref)).payload).toEqual({ kind: 'map', data: { A: '1' } });
      expect(check.ok).toBe(true);
    });

    it('answers an invalid token with an UnauthorizedError, and a token without the policy with a ForbiddenError', async () => {
      const bogus = `s.${randomUUID()}`;
      const policy = uniqueName('other-policy');
      await baoOk(`sys/policies/acl/${policy}`, {
        body: { policy: 'path "elsewhere/*" { capabilities = ["read"] }' },
      });
      const weak = (await baoOk('auth/token/create', { body: { policies: [policy], ttl: '1h' } })).auth!
        .client_token;

      const invalid = await rejectionOf(kv(mount, { token: bogus }).get('secretm/tenant-a/x'));
      const forbidden = await rejectionOf(kv(mount, { token: weak }).get('secretm/tenant-a/x'));

      expect(invalid).toBeInstanceOf(UnauthorizedError);
      expect((invalid as Error).message).toMatch(/the vault refused the connection's credentials/);
      expect((invalid as Error).message).not.toContain(bogus);
      expect(forbidden).toBeInstanceOf(ForbiddenError);
      expect((forbidden as Error).message).toMatch(/policies do not allow it/);
      expect((forbidden as Error).message).not.toContain(weak);
    });
  });

  describe('network', () => {
    it('answers an address where nothing listens with a ProviderUnavailableError', async () => {
      const port = await freePort();
      const provider = createHashicorpVaultProvider(
        { url: `http://127.0.0.1:${port}`, engine: { type: 'kv-v2', mount: 'secret' } },
        { token: 'unused' },
        { timeoutMs: 2_000 },
      );

      const error = await rejectionOf(provider.get('secretm/tenant-a/x'));
      const check = await provider.test();

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(
        /could not reach the vault at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/,
      );
      expect(check).toMatchObject({ ok: false, steps: [{ step: 'reach', ok: false }] });
    });

    it('gives up on a vault that accepts the connection but never answers, after the bounded timeout', async () => {
      const held = new Set<Socket>();
      const silent = createTcpServer((socket) => held.add(socket));
      const port = await listen(silent);
      const provider = createHashicorpVaultProvider(
        { url: `http://127.0.0.1:${port}`, engine: { type: 'kv-v2', mount: 'secret' } },
        { token: 'unused' },
        { timeoutMs: 300 },
      );

      try {
        const error = await rejectionOf(provider.get('secretm/tenant-a/x'));

        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect((error as Error).message).toMatch(/did not answer within 300 ms/);
      } finally {
        for (const socket of held) socket.destroy();
        await close(silent);
      }
    });

    it('follows no redirect: a 307 is a ProviderUnavailableError and the target is never asked', async () => {
      let targetRequests = 0;
      const target = createHttpServer((_req, res) => {
        targetRequests++;
        res.end('{}');
      });
      const targetPort = await listen(target);
      const redirecting = createHttpServer((req, res) => {
        res.writeHead(307, { Location: `http://127.0.0.1:${targetPort}${req.url}` });
        res.end();
      });
      const port = await listen(redirecting);
      const provider = createHashicorpVaultProvider(
        { url: `http://127.0.0.1:${port}`, engine: { type: 'kv-v2', mount: 'secret' } },
        { token: 'a-token-that-must-not-travel' },
      );

      try {
        const error = await rejectionOf(provider.get('secretm/tenant-a/x'));

        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect((error as Error).message).toMatch(
          /redirect \(307 to http:\/\/127\.0\.0\.1:\d+\); secretm follows no redirects/,
        );
        expect(targetRequests).toBe(0);
      } finally {
        await Promise.all([close(redirecting), close(target)]);
      }
    });

    it('resolves the vault host name with the lookup it was given', async () => {
      const asked: string[] = [];
      const lookup = ((hostname, options, callback) => {
        asked.push(hostname);
        if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      }) as LookupFunction;
      const port = new URL(inject('openbaoAddress')).port;
      const provider = createHashicorpVaultProvider(
        { url: `http://vault.secretm.test:${port}`, engine: { type: 'kv-v2', mount } },
        { token: inject('openbaoRootToken') },
        { lookup },
      );
      const ref = provider.refFor('tenant-a', `looked-up-${randomUUID()}`);

      await provider.create(ref, { kind: 'text', text: 'via the pinned address' });

      expect((await provider.get(ref)).payload).toEqual({ kind: 'text', text: 'via the pinned address' });
      expect(new Set(asked)).toEqual(new Set(['vault.secretm.test']));
    });
  });

  describe('TLS with a private CA', () => {
    let tls: OpenBao;

    beforeAll(async () => {
      tls = await startOpenBao({ tls: true });
    });

    afterAll(async () => {
      await tls?.stop();
    });

    const onTls = (overrides: Partial<HashicorpVaultConfig>, network?: NetworkOptions) =>
      createHashicorpVaultProvider(
        { url: tls.address, engine: { type: 'kv-v2', mount: 'secret' }, ...overrides },
        { token: tls.rootToken },
        network,
      );

    it('trusts the CA of the connection config, or of the network options, for that client', async () => {
      const fromConfig = onTls({ caCert: tls.caCert! });
      const fromNetwork = onTls({}, { caCert: tls.caCert! });
      const ref = fromConfig.refFor('tenant-a', 'over-tls');

      await fromConfig.create(ref, { kind: 'map', data: { OVER: 'tls' } });

      expect((await fromNetwork.get(ref)).payload).toEqual({ kind: 'map', data: { OVER: 'tls' } });
      expect((await fromConfig.test()).ok).toBe(true);
    });

    it('refuses the certificate without the CA, and the CA given to one client is not trusted process-wide', async () => {
      const withoutCa = onTls({});
      await onTls({ caCert: tls.caCert! }).test();

      const error = await rejectionOf(withoutCa.get('secretm/tenant-a/x'));
      const plainHttps = await new Promise<unknown>((resolve) => {
        const req = httpsGet(`${tls.address}/v1/sys/health`, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.once('error', resolve);
      });

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/certificate/);
      expect(plainHttps).toBeInstanceOf(Error);
    });
  });
});
