/**
 * Whether the store can serve: one DescribeTable of secretm's table, bounded in time, the answer kept a
 * few seconds (DynamoDB asks control-plane callers to cache, and the probe is public), one check in
 * flight however many callers ask. Reasons name what failed, never an endpoint, a table name or a key.
 */
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type StoreReadiness = { ready: true } | { ready: false; reason: string };

export interface StoreProbeOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Bound on one check. Default 2,000 ms. */
  timeoutMs?: number;
  /** How long a "ready" answer is kept (a failure is kept for 1 s). Default 5,000 ms. */
  readyForMs?: number;
  now?: () => number;
}

export type StoreProbe = () => Promise<StoreReadiness>;

const failureForMs = 1_000;

export function createStoreProbe(options: StoreProbeOptions): StoreProbe {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const readyForMs = options.readyForMs ?? 5_000;
  let kept: { answer: StoreReadiness; until: number } | undefined;
  let inFlight: Promise<StoreReadiness> | undefined;
  return () => {
    if (kept && now() < kept.until) return Promise.resolve(kept.answer);
    inFlight ??= checkStore(options.client, options.tableName, timeoutMs).then((answer) => {
      kept = { answer, until: now() + (answer.ready ? readyForMs : failureForMs) };
      inFlight = undefined;
      return answer;
    });
    return inFlight;
  };
}

/** One DescribeTable; never throws. */
export async function checkStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  timeoutMs: number,
): Promise<StoreReadiness> {
  const abortSignal = AbortSignal.timeout(timeoutMs);
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }), {
      abortSignal,
    });
    const status = Table?.TableStatus;
    if (status === 'ACTIVE' || status === 'UPDATING') return { ready: true };
    return { ready: false, reason: `the table is ${String(status ?? 'in an unknown state').toLowerCase()}` };
  } catch (error) {
    return { ready: false, reason: reasonOf(error, abortSignal.aborted, timeoutMs) };
  }
}

function reasonOf(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `the store did not answer within ${timeoutMs} ms`;
  if (error instanceof ResourceNotFoundException) return 'the table does not exist';
  const { name, code, $metadata } = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  // A network failure: the SDK passes the socket's error code on (ECONNREFUSED, ENOTFOUND, …).
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `the store cannot be reached (${code})`;
  if ($metadata?.httpStatusCode !== undefined && typeof name === 'string' && /^\w+$/.test(name)) {
    return `the store refused the check (${name})`;
  }
  return 'the store cannot be reached';
}
