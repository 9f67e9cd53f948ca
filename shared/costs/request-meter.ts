/**
 * Request-level counting for adapters that can see each request they send (AWS Secrets Manager, through
 * an SDK middleware): the metered provider runs each call inside `requestMeter.run(counter, …)`, and the
 * adapter tells that counter of every request the call sends, retries included, by the vault's own
 * operation name. Outside a metered call there is no counter, and telling is a no-op.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type RequestCounter = (operation: string, ref: string | undefined) => void;

export const requestMeter = new AsyncLocalStorage<RequestCounter>();

/** Tells the current metered call, if any, of one request sent to the vault. */
export function meterRequest(operation: string, ref: string | undefined): void {
  requestMeter.getStore()?.(operation, ref);
}
