/**
 * A counting HTTP proxy on loopback in front of a live server (moto, OpenBao): it counts every request
 * it forwards, by operation, can be switched off to make a real outage (connections reset at once), and
 * can refuse chosen AWS operations with AccessDeniedException or answer them with another AWS error
 * (throttling, a 5xx) a number of times. It keeps the user-agent of every request it counts, so a test
 * can tell which client sent them, and a log of each AWS request: its operation, the access key id that
 * signed it, and its fields (the JSON body, or the query protocol's form: STS). Used by the layer's
 * tests, the tenancy tests and by the bench (no test-runner imports here).
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One AWS request as forwarded. */
export interface LoggedRequest {
  /** The X-Amz-Target action, or the query protocol's `Action` (STS). */
  operation: string;
  /** The access key id in the request's signature. */
  accessKeyId: string;
  /** The query protocol's form fields (STS: RoleArn, RoleSessionName, Policy); empty otherwise. */
  form: Record<string, string>;
  /** A JSON-protocol request's body (Secrets Manager). */
  json?: Record<string, unknown>;
}

export interface CountingProxy {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** While true, every connection is reset at once: the server is unreachable. */
  down: boolean;
  /** Operations answered with AWS's AccessDeniedException instead of being forwarded. */
  denied: Set<string>;
  /** Answers the next `times` requests of `operation` with an AWS error of that code and status. */
  fail(operation: string, answer: { status: number; code: string }, times?: number): void;
  /** The user-agent of each request counted since the last reset, in order. */
  userAgents(): string[];
  /** Requests forwarded, by operation (the X-Amz-Target action, else `METHOD /path`). */
  count(operation?: string): number;
  /** AWS requests forwarded whose body names one of `ids` (SecretId, or one of SecretIdList). */
  countNaming(ids: readonly string[]): number;
  /** Every request forwarded since the last reset, in order. */
  requests(): LoggedRequest[];
  reset(): void;
  close(): Promise<void>;
}

/** An HTTP proxy on loopback in front of `target` (http://127.0.0.1:PORT). */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const counts = new Map<string, number>();
  const named: string[][] = [];
  const agents: string[] = [];
  const logged: LoggedRequest[] = [];
  const faults = new Map<string, { status: number; code: string; times: number }>();
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
    agents.push(String(req.headers['user-agent'] ?? ''));
    const fault = proxy.denied.has(operation)
      ? { status: 400, code: 'AccessDeniedException', times: 1 }
      : faults.get(operation);
    if (fault !== undefined) {
      if (!proxy.denied.has(operation) && --fault.times <= 0) faults.delete(operation);
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: fault.code, message: `refused by the test proxy: ${operation}` }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (typeof amzTarget === 'string') named.push(secretIdsOf(body));
      logged.push(logEntry(req.headers, body));
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
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: CountingProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    down: false,
    denied: new Set(),
    fail(operation, answer, times = Number.POSITIVE_INFINITY) {
      faults.set(operation, { ...answer, times });
    },
    userAgents() {
      return [...agents];
    },
    count(operation) {
      if (operation !== undefined) return counts.get(operation) ?? 0;
      return [...counts.values()].reduce((sum, n) => sum + n, 0);
    },
    requests() {
      return [...logged];
    },
    countNaming(ids) {
      const wanted = new Set(ids);
      return named.filter((list) => list.some((id) => wanted.has(id))).length;
    },
    reset() {
      counts.clear();
      named.length = 0;
      logged.length = 0;
      agents.length = 0;
      faults.clear();
    },
    close() {
      agent.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

function logEntry(headers: IncomingHttpHeaders, body: Buffer): LoggedRequest {
  const amzTarget = headers['x-amz-target'];
  const credential = /Credential=([^/,\s]+)\//.exec(String(headers.authorization ?? ''));
  const accessKeyId = credential?.[1] ?? '';
  if (typeof amzTarget === 'string') {
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return {
      operation: amzTarget.split('.').pop() ?? amzTarget,
      accessKeyId,
      form: {},
      ...(json ? { json } : {}),
    };
  }
  const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  return { operation: form.Action ?? '', accessKeyId, form };
}

function secretIdsOf(body: Buffer): string[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { SecretId?: unknown; SecretIdList?: unknown };
    const list = Array.isArray(parsed.SecretIdList) ? parsed.SecretIdList : [parsed.SecretId];
    return list.filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}
