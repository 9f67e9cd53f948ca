import type { LookupAddress } from 'node:dns';
import { createServer, Agent as HttpAgent, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { Resolve } from '../../shared/net/guarded-lookup.ts';
import { networkOptionsFor } from '../../shared/net/network-for.ts';

const toLoopback: Resolve = async (hostname) => {
  if (hostname === 'vault.test') return [{ address: '127.0.0.1', family: 4 }];
  if (hostname === 'metadata.test') return [{ address: '169.254.169.254', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

describe('networkOptionsFor', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('carries the private CA and the time bound the connection names', () => {
    // Act
    const network = networkOptionsFor(new URL('https://vault.example.com:8200/'), {
      allowLoopback: false,
      caCert: '-----BEGIN CERTIFICATE-----\n…',
      timeoutMs: 2_500,
    });

    // Assess
    expect(network.caCert).toBe('-----BEGIN CERTIFICATE-----\n…');
    expect(network.timeoutMs).toBe(2_500);
    expect(typeof network.lookup).toBe('function');
  });

  it('leaves the CA and the time bound to the adapter’s defaults when the connection names none', () => {
    // Act
    const network = networkOptionsFor(new URL('https://vault.example.com/'), { allowLoopback: false });

    // Assess
    expect(Object.keys(network)).toEqual(['lookup']);
  });

  it.each(['https://169.254.169.254/', 'https://[fd00:ec2::254]/', 'https://[::ffff:a9fe:a9fe]/'])(
    'refuses the IP-literal host of %s, which Node never looks up',
    (raw) => {
      expect(() => networkOptionsFor(new URL(raw), { allowLoopback: true })).toThrow(ValidationError);
    },
  );

  it('refuses a loopback literal unless loopback is allowed', () => {
    // Prepare
    const url = new URL('http://127.0.0.1:8200/');

    // Act
    const refused = () => networkOptionsFor(url, { allowLoopback: false });
    const allowed = () => networkOptionsFor(url, { allowLoopback: true });

    // Assess
    expect(refused).toThrow('loopback is only allowed in local mode');
    expect(allowed).not.toThrow();
  });

  it('gives a lookup that checks what a host name resolves to', async () => {
    // Prepare
    const { lookup } = networkOptionsFor(new URL('https://metadata.test/'), {
      allowLoopback: true,
      resolve: toLoopback,
    });

    // Act
    const error = await new Promise<Error | null>((settle) => {
      lookup!('metadata.test', { all: true }, (failure: Error | null, _: string | LookupAddress[]) =>
        settle(failure),
      );
    });

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.message).toMatch(/metadata/);
  });

  it('lets an agent built as the adapters build theirs reach a loopback vault in local mode', async () => {
    // Prepare
    const server = createServer((_, response) => response.end('reached'));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    closers.push(() => server.close());
    const url = new URL(`http://vault.test:${(server.address() as AddressInfo).port}/`);
    const network = networkOptionsFor(url, { allowLoopback: true, resolve: toLoopback });
    const agent = new HttpAgent({ keepAlive: false, lookup: network.lookup });
    closers.push(() => agent.destroy());

    // Act
    const body = await new Promise<string>((settle, fail) => {
      httpGet(url, { agent }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => settle(text));
      }).on('error', fail);
    });

    // Assess
    expect(body).toBe('reached');
  });
});
