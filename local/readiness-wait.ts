/**
 * Local mode is started when its own `GET /v1/health/ready` says so: the API answers over HTTP and the
 * store serves. Asked every 100 ms; a start that never gets there fails with the last reason given.
 */
import { LocalModeError } from './local-mode-error.ts';

export async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (true) {
    try {
      const response = await fetch(`${url}/v1/health/ready`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json().catch(() => ({}))) as { reason?: unknown };
      if (response.status === 200) return;
      last = typeof body.reason === 'string' ? body.reason : `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new LocalModeError(`secretm did not become ready within ${timeoutMs / 1000} s: ${last}`);
}
