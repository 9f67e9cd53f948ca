/**
 * Bindings: save what a service needs (refused when a secret or key it names does not exist), and
 * resolve it into an environment and files (reporting clearly what has gone missing since).
 */
import { auditEvent } from '../audit/audit-event.ts';
import type { RequestContext } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';
import type { SecretService } from '../secrets/secret-service.ts';
import type { SecretValue } from '../secrets/secret-types.ts';
import type { BindingListing, BindingStore } from '../store/binding-store.ts';
import type { Page } from '../store/store-types.ts';
import { envKeyPattern } from '../validation/names.ts';
import type { PutBindingBody } from './binding-schemas.ts';
import type { BindingEntry, BindingRecord, ResolvedBinding } from './binding-types.ts';
import { filePath, resolveBinding } from './resolve-binding.ts';

export function createBindingService(deps: { store: BindingStore; secrets: SecretService; clock: Clock }) {
  const { store, secrets, clock } = deps;

  /** A binding naming a secret outside the caller's access rules answers as absent. */
  async function get(ctx: RequestContext, service: string): Promise<BindingRecord> {
    const found = await store.get(ctx.principal.tenant, service);
    if (!found) throw new NotFoundError(`binding ${service} not found`);
    for (const name of new Set(found.entries.map((entry) => entry.secret))) {
      if (await secrets.hidden(ctx, name)) throw new NotFoundError(`binding ${service} not found`);
    }
    return found;
  }

  /** Problems with each entry against the secrets as they are now; empty when all is well. */
  async function problemsOf(
    ctx: RequestContext,
    entries: BindingEntry[],
  ): Promise<{ path: string; message: string }[]> {
    const problems: { path: string; message: string }[] = [];
    const records = new Map<string, Awaited<ReturnType<SecretService['get']>> | undefined>();
    const filePaths = new Set<string>();
    for (const [i, entry] of entries.entries()) {
      if (!records.has(entry.secret)) {
        records.set(
          entry.secret,
          await secrets.get(ctx, entry.secret).catch((error) => {
            if (error instanceof NotFoundError) return undefined;
            throw error;
          }),
        );
      }
      const record = records.get(entry.secret);
      const path = `body.entries.${i}`;
      if (!record) problems.push({ path, message: `${entry.name}: there is no secret ${entry.secret}` });
      else if (record.deletionDate)
        problems.push({ path, message: `${entry.name}: secret ${entry.secret} is scheduled for deletion` });
      else if (record.type === 'env' && entry.key === undefined)
        problems.push({
          path,
          message: `${entry.name}: secret ${entry.secret} holds keys; name one with key`,
        });
      else if (record.type === 'env' && !record.keys.includes(entry.key!))
        problems.push({ path, message: `${entry.name}: secret ${entry.secret} has no key ${entry.key}` });
      else if (record.type === 'file' && entry.key !== undefined)
        problems.push({ path, message: `${entry.name}: secret ${entry.secret} is a file; it has no keys` });
      else if (record.type === 'env' && !envKeyPattern.test(entry.name))
        problems.push({ path, message: `${entry.name} is not an environment variable name` });
      else if (record.type === 'file' && !entry.mountPath && !record.file?.mountPath)
        problems.push({
          path,
          message: `${entry.name}: secret ${entry.secret} has no mount path; give mountPath`,
        });
      else if (record.type === 'file') {
        // A file goes under its secret's own file name, so two entries can name one path.
        const at = filePath({
          mountPath: (entry.mountPath ?? record.file?.mountPath)!,
          filename: record.file?.filename ?? entry.secret,
        });
        if (filePaths.has(at))
          problems.push({ path, message: `${entry.name}: another entry puts a file at ${at}` });
        filePaths.add(at);
      }
    }
    return problems;
  }

  return {
    get,

    /**
     * The tenant's bindings a page at a time, names and references only. A binding naming a secret
     * outside the caller's access rules is left out, as `get` answers it absent; such a page may hold
     * fewer than `limit` and still have a cursor.
     */
    async list(ctx: RequestContext, page: { limit: number; cursor?: string }): Promise<Page<BindingListing>> {
      const found = await store.list(ctx.principal.tenant, page);
      if (!ctx.principal.rules) return found;
      const hidden = new Map<string, boolean>();
      const visible: BindingListing[] = [];
      for (const binding of found.items) {
        let shown = true;
        for (const name of new Set(binding.secrets)) {
          if (!hidden.has(name)) hidden.set(name, await secrets.hidden(ctx, name));
          if (hidden.get(name)) shown = false;
        }
        if (shown) visible.push(binding);
      }
      return { ...found, items: visible };
    },

    async put(
      ctx: RequestContext,
      service: string,
      body: PutBindingBody,
      expectedVersion?: number,
    ): Promise<BindingRecord> {
      const names = body.entries.map((entry) => entry.name);
      const duplicate = names.find((name, i) => names.indexOf(name) !== i);
      if (duplicate) throw new ValidationError(`${duplicate} is bound twice`);
      const problems = await problemsOf(ctx, body.entries);
      if (problems.length > 0) {
        throw new UnprocessableError(`the binding names what does not exist: ${problems[0]!.message}`, {
          details: problems,
        });
      }
      const current = await store.get(ctx.principal.tenant, service);
      if (expectedVersion !== undefined && expectedVersion !== (current?.version ?? 0)) {
        throw new PreconditionFailedError(
          `binding ${service} is at version ${current?.version ?? 0}, not ${expectedVersion}`,
        );
      }
      const now = clock.now().toISOString();
      const record: BindingRecord = {
        tenant: ctx.principal.tenant,
        service,
        entries: body.entries,
        ...(body.description ? { description: body.description } : {}),
        version: (current?.version ?? 0) + 1,
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
        updatedBy: ctx.principal.actor,
      };
      await store.put(record, auditEvent(ctx, 'binding.put', `binding:${service}`, clock.now()));
      return record;
    },

    /** Reads every bound secret's current value (each read audited as a reveal). */
    async resolve(ctx: RequestContext, service: string): Promise<ResolvedBinding> {
      const binding = await get(ctx, service);
      const problems = await problemsOf(ctx, binding.entries);
      if (problems.length > 0) {
        throw new ConflictError(
          `binding ${service} no longer resolves: ${problems[0]!.message.replace(/^body\./, '')}`,
          {
            details: problems.map((problem) => ({ ...problem, path: problem.path.replace(/^body\./, '') })),
          },
        );
      }
      const values = new Map<string, SecretValue>();
      for (const entry of binding.entries) {
        if (!values.has(entry.secret)) {
          values.set(entry.secret, (await secrets.getValue(ctx, entry.secret)).value);
        }
      }
      return resolveBinding(service, binding.entries, (entry) => values.get(entry.secret)!);
    },
  };
}

export type BindingService = ReturnType<typeof createBindingService>;
