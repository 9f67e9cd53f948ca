/**
 * The request being served, for code far below the handler that must say who asked: a built-in
 * vault that refuses another tenant's ref records the attempt in that tenant's audit, with the
 * caller's actor, request id and address.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestContext } from '../auth/principal.ts';

const scope = new AsyncLocalStorage<RequestContext>();

export function inRequest<T>(ctx: RequestContext, run: () => Promise<T>): Promise<T> {
  return scope.run(ctx, run);
}

export function currentRequest(): RequestContext | undefined {
  return scope.getStore();
}
