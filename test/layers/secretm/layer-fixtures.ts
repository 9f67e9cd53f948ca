/**
 * Set-up shared by the layer's tests: a fake clock, secrets written straight into moto, and a
 * counting HTTP proxy on loopback in front of a live server, which can be switched off to make a real
 * outage (connections reset) and counts every request it forwards, by operation.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { expect, inject } from 'vitest';

export const region = 'us-east-1';
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
  set(at: number): void;
}

/** A clock that moves only when told. It starts at the real time, as leases from a server are real dates. */
export function fakeClock(start = Date.now()): FakeClock {
  let at = start;
  return {
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
    set: (time) => {
      at = time;
    },
  };
}

export function motoSdk(endpoint = inject('motoEndpoint'), inRegion = region): SecretsManagerClient {
  return new SecretsManagerClient({ region: inRegion, endpoint, credentials });
}

export function uniqueSecretName(prefix = 'layer-test'): string {
  return `${prefix}/${randomUUID()}`;
}

/** Creates an AWS secret on moto and answers its name and ARN. */
export async function createAwsSecret(
  value: string | Uint8Array,
  options: { name?: string; endpoint?: string; region?: string } = {},
): Promise<{ name: string; arn: string; versionId: string }> {
  const name = options.name ?? uniqueSecretName();
  const created = await motoSdk(options.endpoint, options.region).send(
    new CreateSecretCommand({
      Name: name,
      ...(typeof value === 'string' ? { SecretString: value } : { SecretBinary: value }),
    }),
  );
  return { name, arn: created.ARN!, versionId: created.VersionId! };
}

export async function putAwsSecret(name: string, value: string): Promise<string> {
  const written = await motoSdk().send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
  return written.VersionId!;
}

export interface CountingProxy {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** While true, every connection is reset at once: the server is unreachable. */
  down: boolean;
  /** Operations answered with AWS's AccessDeniedException instead of being forwarded. */
  denied: Set<string>;
  /** Requests forwarded, by operation (the X-Amz-Target action, else `METHOD /path`). */
  count(operation?: string): number;
  reset(): void;
  close(): Promise<void>;
}

/** An HTTP proxy on loopback in front of `target` (http://127.0.0.1:PORT). */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    if (proxy.down) {
      req.socket.destroy();
      return;
    }
    const amzTarget = req.headers['x-amz-target'];
    const operation =
      typeof amzTarget === 'string'
        ? (amzTarget.split('.').pop() ?? amzTarget)
        : `${req.method} ${req.url?.split('?')[0]}`;
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    if (proxy.denied.has(operation)) {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'AccessDeniedException', message: `not allowed: ${operation}` }));
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: CountingProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    down: false,
    denied: new Set(),
    count(operation) {
      if (operation !== undefined) return counts.get(operation) ?? 0;
      return [...counts.values()].reduce((sum, n) => sum + n, 0);
    },
    reset() {
      counts.clear();
    },
    close() {
      agent.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

export async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

/** Lets every pending callback, timer of 0 ms and setImmediate run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}
