/**
 * A recording HTTP proxy on loopback in front of moto: for every AWS request it forwards, the
 * operation (X-Amz-Target, or the query protocol's `Action`), the access key id that signed it, and
 * the request's form fields (STS: RoleArn, RoleSessionName, Policy). It can also be switched off, so
 * the server looks unreachable (connections reset at once).
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  operation: string;
  accessKeyId: string;
  /** Form fields of a query-protocol request (STS); empty otherwise. */
  form: Record<string, string>;
  /** The JSON body of a JSON-protocol request (Secrets Manager); undefined otherwise. */
  json?: Record<string, unknown>;
}

export interface RecordingProxy {
  endpoint: string;
  down: boolean;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    if (proxy.down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = req.headers['x-amz-target'];
      const form =
        typeof amzTarget === 'string' ? {} : Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      let json: Record<string, unknown> | undefined;
      if (typeof amzTarget === 'string') {
        try {
          json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
      }
      const credential = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''));
      proxy.requests.push({
        operation:
          typeof amzTarget === 'string' ? (amzTarget.split('.').pop() ?? amzTarget) : (form.Action ?? ''),
        accessKeyId: credential?.[1] ?? '',
        form,
        ...(json ? { json } : {}),
      });
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
  const proxy: RecordingProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    down: false,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
  return proxy;
}
