/**
 * Local mode's HTTP server on 127.0.0.1, listening before anything else starts: a port in use fails
 * the start at once, and the port stays ours while DynamoDB Local boots. Until the API is attached it
 * answers every request 503 `starting`.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalModeError } from './local-mode-error.ts';
import { sendError } from './send-error.ts';

export interface LoopbackServer {
  port: number;
  url: string;
  /** Serves requests with `listener` from now on. */
  serve(listener: RequestListener): void;
  close(): Promise<void>;
}

export async function listenOnLoopback(port: number, variable = 'PORT'): Promise<LoopbackServer> {
  let current: RequestListener = (_req, res) =>
    sendError(res, 503, 'starting', 'secretm is starting; try again in a moment');
  const server = createServer((req, res) => current(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenFailure(port, variable, error)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    serve(listener) {
      current = listener;
    },
    close: () => close(server),
  };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Fails as listenOnLoopback would when `port` is taken (for a port a child process will bind). */
export async function checkPortFree(port: number, variable: string): Promise<void> {
  await (await listenOnLoopback(port, variable)).close();
}

function listenFailure(port: number, variable: string, error: NodeJS.ErrnoException): Error {
  if (error.code === 'EADDRINUSE') {
    return new LocalModeError(
      `port ${port} on 127.0.0.1 (${variable}) is in use; stop what listens there, or choose another ${variable}${variable === 'PORT' ? ' (PORT=0 picks a free one)' : ''}`,
    );
  }
  if (error.code === 'EACCES') {
    return new LocalModeError(
      `port ${port} on 127.0.0.1 (${variable}) needs privileges this user does not have; choose one above 1023`,
    );
  }
  return error;
}
