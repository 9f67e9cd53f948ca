/**
 * The guarded lookup, alone (an injected resolver, no DNS, no sockets) and under Node's own agents
 * against a loopback server that counts connections. Every address a socket could reach here is
 * 127.0.0.1: forbidden addresses appear only in injected answers the guard must refuse before connecting.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { type AgentOptions, createServer, Agent as HttpAgent, get as httpGet } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { createGuardedLookup, type Resolve, type ResolvedAddress } from '../../shared/net/guarded-lookup.ts';

function fakeResolver(answers: Record<string, ResolvedAddress[]>): { resolve: Resolve; asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolve = async (hostname) => {
    asked.push(hostname);
    const found = answers[hostname];
    if (found) return found;
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  return { resolve, asked };
}

interface Answer {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family: number | undefined;
  calls: number;
}

async function lookUp(lookup: LookupFunction, hostname: string, options: LookupOptions): Promise<Answer> {
  let calls = 0;
  const answer = await new Promise<Answer>((resolve) => {
    lookup(hostname, options, (error, address, family) => {
      calls += 1;
      resolve({ error, address, family, calls });
    });
  });
  await new Promise((settle) => setImmediate(settle));
  return { ...answer, calls };
}

describe('createGuardedLookup', () => {
  it.each([
    ['a public address, then the metadata address', ['203.0.113.10', '169.254.169.254']],
    ['the metadata address, then a public one', ['169.254.169.254', '203.0.113.10']],
    ['a private address and a link-local one', ['10.0.0.7', '169.254.1.1']],
  ])('refuses a name that answers %s as a whole', async (_, addresses) => {
    // Prepare
    const { resolve } = fakeResolver({ 'vault.test': addresses.map((address) => ({ address, family: 4 })) });
    const lookup = createGuardedLookup({ resolve, allowLoopback: true });

    // Act
    const all = await lookUp(lookup, 'vault.test', { all: true });
    const one = await lookUp(lookup, 'vault.test', { all: false });

    // Assess
    for (const answer of [all, one]) {
      expect(answer.error).toBeInstanceOf(ValidationError);
      expect(answer.error?.message).toMatch(/^"vault\.test" resolves to 169\.254\.\d+\.\d+, a /);
      expect(answer.calls).toBe(1);
    }
  });

  it.each([
    ['the AWS IPv6 metadata address', 'fd00:ec2::254', 6, /metadata/],
    ['an IPv4-mapped metadata address', '::ffff:169.254.169.254', 6, /metadata/],
    ['a NAT64 metadata address', '64:ff9b::a9fe:a9fe', 6, /metadata/],
    ['an IPv6 link-local address', 'fe80::1', 6, /link-local/],
    ['the unspecified address', '0.0.0.0', 4, /unspecified/],
  ])('refuses a name that answers %s', async (_, address, family, why) => {
    // Prepare
    const { resolve } = fakeResolver({ 'vault.test': [{ address, family }] });
    const lookup = createGuardedLookup({ resolve, allowLoopback: true });

    // Act
    const answer = await lookUp(lookup, 'vault.test', { all: true });

    // Assess
    expect(answer.error).toBeInstanceOf(ValidationError);
    expect(answer.error?.message).toMatch(why);
  });

  it('refuses a name that answers loopback unless loopback is allowed', async () => {
    // Prepare
    const { resolve } = fakeResolver({ 'vault.test': [{ address: '127.0.0.1', family: 4 }] });

    // Act
    const refused = await lookUp(createGuardedLookup({ resolve, allowLoopback: false }), 'vault.test', {});
    const allowed = await lookUp(createGuardedLookup({ resolve, allowLoopback: true }), 'vault.test', {});

    // Assess
    expect(refused.error).toBeInstanceOf(ValidationError);
    expect(refused.error?.message).toContain('loopback is only allowed in local mode');
    expect(allowed).toMatchObject({ error: null, address: '127.0.0.1', family: 4 });
  });

  describe('allowed answers, in the shape Node asks for', () => {
    const { resolve } = fakeResolver({
      'vault.test': [
        { address: '10.0.0.7', family: 4 },
        { address: 'fd12::7', family: 6 },
      ],
      'v6.test': [{ address: 'fd12::7', family: 6 }],
    });
    const lookup = createGuardedLookup({ resolve, allowLoopback: false });

    it('answers every address, as an array, when asked for all', async () => {
      // Act
      const answer = await lookUp(lookup, 'vault.test', { all: true, hints: 32 });

      // Assess
      expect(answer).toEqual({
        error: null,
        address: [
          { address: '10.0.0.7', family: 4 },
          { address: 'fd12::7', family: 6 },
        ],
        family: undefined,
        calls: 1,
      });
    });

    it('answers the first address and its family when asked for one', async () => {
      // Act
      const answer = await lookUp(lookup, 'vault.test', { hints: 32 });

      // Assess
      expect(answer).toEqual({ error: null, address: '10.0.0.7', family: 4, calls: 1 });
    });

    it.each([
      [6, 'fd12::7', 6],
      ['IPv6' as const, 'fd12::7', 6],
      [4, '10.0.0.7', 4],
      ['IPv4' as const, '10.0.0.7', 4],
      [0, '10.0.0.7', 4],
    ])('answers only the family asked for (%s)', async (family, address, answered) => {
      // Act
      const one = await lookUp(lookup, 'vault.test', { family });
      const all = await lookUp(lookup, 'vault.test', { family, all: true });

      // Assess
      expect(one).toMatchObject({ error: null, address, family: answered });
      expect(all.address).toContainEqual({ address, family: answered });
    });

    it('says ENOTFOUND when the name has no address of the family asked for', async () => {
      // Act
      const answer = await lookUp(lookup, 'v6.test', { family: 4 });

      // Assess
      expect(answer.error?.code).toBe('ENOTFOUND');
    });
  });

  it('judges an IP address given as the host name without resolving it', async () => {
    // Prepare
    const { resolve, asked } = fakeResolver({});
    const lookup = createGuardedLookup({ resolve, allowLoopback: false });

    // Act
    const metadata = await lookUp(lookup, '169.254.169.254', { all: true });
    const mapped = await lookUp(lookup, '::ffff:a9fe:a9fe', {});
    const privateAddress = await lookUp(lookup, '10.1.2.3', {});

    // Assess
    expect(metadata.error?.message).toMatch(/metadata/);
    expect(mapped.error?.message).toMatch(/metadata/);
    expect(privateAddress).toMatchObject({ error: null, address: '10.1.2.3', family: 4 });
    expect(asked).toEqual([]);
  });

  it('passes the resolver’s own failure through', async () => {
    // Prepare
    const { resolve } = fakeResolver({});
    const lookup = createGuardedLookup({ resolve, allowLoopback: false });

    // Act
    const answer = await lookUp(lookup, 'nowhere.test', { all: true });

    // Assess
    expect(answer.error?.code).toBe('ENOTFOUND');
    expect(answer.error).not.toBeInstanceOf(ValidationError);
  });

  it('refuses an answer that is not an IP address', async () => {
    // Prepare
    const { resolve } = fakeResolver({ 'vault.test': [{ address: '0251.0376.0251.0376', family: 4 }] });
    const lookup = createGuardedLookup({ resolve, allowLoopback: true });

    // Act
    const answer = await lookUp(lookup, 'vault.test', {});

    // Assess
    expect(answer.error).toBeInstanceOf(ValidationError);
    expect(answer.error?.message).toMatch(/not an IP address/);
  });
});

describe('under Node’s agents, against a loopback server', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  async function loopbackServer(): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    const server = createServer((_, response) => response.end('reached'));
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    servers.push({ close: () => server.close() });
    return { port: (server.address() as AddressInfo).port, connections: () => connections };
  }

  function get(url: string, agentOptions: AgentOptions): Promise<{ body?: string; error?: Error }> {
    const agent = new HttpAgent(agentOptions);
    return new Promise((settle) => {
      const request = httpGet(url, { agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => settle({ body }));
      });
      request.on('error', (error) => settle({ error }));
      request.on('close', () => agent.destroy());
    });
  }

  const toLoopback = () => fakeResolver({ 'vault.test': [{ address: '127.0.0.1', family: 4 }] });

  it.each([
    ['the default agent (all addresses)', {}],
    ['an agent without family auto-selection (one address)', { autoSelectFamily: false }],
    ['an IPv4-only agent', { family: 4 }],
  ])('reaches a loopback vault through %s when loopback is allowed', async (_, agentOptions) => {
    // Prepare
    const server = await loopbackServer();
    const { resolve, asked } = toLoopback();
    const lookup = createGuardedLookup({ resolve, allowLoopback: true });

    // Act
    const result = await get(`http://vault.test:${server.port}/`, { ...agentOptions, lookup });

    // Assess
    expect(result).toEqual({ body: 'reached' });
    expect(server.connections()).toBe(1);
    expect(asked).toEqual(['vault.test']);
  });

  it.each([
    ['the default agent (all addresses)', {}],
    ['an agent without family auto-selection (one address)', { autoSelectFamily: false }],
  ])('refuses before connecting through %s when loopback is not allowed', async (_, agentOptions) => {
    // Prepare
    const server = await loopbackServer();
    const { resolve } = toLoopback();
    const lookup = createGuardedLookup({ resolve, allowLoopback: false });

    // Act
    const result = await get(`http://vault.test:${server.port}/`, { ...agentOptions, lookup });

    // Assess
    expect(result.error).toBeInstanceOf(ValidationError);
    expect(result.error?.message).toContain('loopback is only allowed in local mode');
    expect(server.connections()).toBe(0);
  });

  it('guards tls.connect (and so https.Agent) the same way', async () => {
    // Prepare
    const server = await loopbackServer();
    const { resolve } = toLoopback();
    const connect = (allowLoopback: boolean) =>
      new Promise<Error>((settle) => {
        const socket = tlsConnect({
          host: 'vault.test',
          port: server.port,
          lookup: createGuardedLookup({ resolve, allowLoopback }),
        });
        socket.on('error', settle);
      });

    // Act
    const refused = await connect(false);
    const connectionsWhenRefused = server.connections();
    const allowed = await connect(true);

    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect(connectionsWhenRefused).toBe(0);
    expect(allowed).not.toBeInstanceOf(ValidationError); // reached the plain HTTP server; its TLS then failed
    expect(server.connections()).toBe(1);
  });

  describe('why IP literals are judged by parseVaultUrl, not by the lookup', () => {
    const spy = () => {
      const asked: string[] = [];
      const lookup = ((hostname, options, callback) => {
        asked.push(hostname);
        if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      }) as LookupFunction;
      return { lookup, asked };
    };

    it('http.Agent never calls lookup for an IP-literal host, only for a name', async () => {
      // Prepare
      const server = await loopbackServer();
      const { lookup, asked } = spy();

      // Act
      const literal = await get(`http://127.0.0.1:${server.port}/`, { lookup });
      const askedForLiteral = [...asked];
      const named = await get(`http://vault.test:${server.port}/`, { lookup });

      // Assess
      expect(literal).toEqual({ body: 'reached' });
      expect(named).toEqual({ body: 'reached' });
      expect(askedForLiteral).toEqual([]);
      expect(asked).toEqual(['vault.test']);
    });

    it('tls.connect never calls lookup for an IP-literal host', async () => {
      // Prepare
      const server = await loopbackServer();
      const { lookup, asked } = spy();

      // Act
      await new Promise<void>((settle) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: server.port, lookup });
        socket.on('error', () => settle());
      });

      // Assess
      expect(server.connections()).toBe(1);
      expect(asked).toEqual([]);
    });
  });
});
