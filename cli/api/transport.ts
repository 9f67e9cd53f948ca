/**
 * One HTTP exchange, over node:http or node:https. Not `fetch`: Node loads its fetch implementation
 * (undici) on first use, which costs a CLI start about 100 ms of CPU — more than the rest of a command
 * (bench/RESULTS.md, "CLI start-up"); so does importing node:http as an ES module, hence
 * process.getBuiltinModule. Connections are kept alive between the requests of one command
 * (an import of a folder makes many); the agent unrefs an idle one, so it never keeps the process alive.
 */
import type { Agent, IncomingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  status: number;
  statusText: string;
  header(name: string): string | undefined;
  body: Buffer;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

const agents = new Map<string, Agent>();

export function exchange(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  const secure = url.protocol === 'https:';
  // Not `import('node:http')`: its ES module facade reads every export, and one of them loads undici.
  const http = secure ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  let agent = agents.get(url.protocol);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true });
    agents.set(url.protocol, agent);
  }
  const headers: Record<string, string | number> = { ...request.headers };
  if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      url,
      { method: request.method, headers, agent, timeout: request.timeoutMs },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            statusText: incoming.statusMessage ?? '',
            header: (name) => first(incoming.headers[name.toLowerCase()]),
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(Object.assign(new Error('no answer in time'), { code: 'TimeoutError' })),
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

function first(value: IncomingHttpHeaders[string]): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
