/**
 * The request being served, for code far below the handler that must say who asked: a built-in
 * vault that refuses another tenant's ref records the attempt in that tenant's audit, with the
 * caller's actor, request id and address. It also notes whether the request has been audited, so
 * the API handler audits every request that nothing below it audited.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestContext } from '../auth/principal.ts';

interface Scope {
  ctx: RequestContext;
  audited: boolean;
}

const scope = new AsyncLocalStorage<Scope>();

export function inRequest<T>(ctx: RequestContext, run: () => Promise<T>): Promise<T> {
  return scope.run({ ctx, audited: false }, run);
}

export function currentRequest(): RequestContext | undefined {
  return scope.getStore()?.ctx;
}

/** An audit event of request `requestId` was made. */
export function markAudited(requestId: string): void {
  const current = scope.getStore();
  if (current && current.ctx.requestId === requestId) current.audited = true;
}

/** Whether an audit event of the current request was made. */
export function wasAudited(): boolean {
  return scope.getStore()?.audited === true;
}
