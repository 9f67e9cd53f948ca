/** An error answer in the API's shape, `{ error: { code, message, requestId } }`, closing the connection. */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-request-id': requestId,
    connection: 'close',
  });
  res.end(JSON.stringify({ error: { code, message, requestId } }));
}
