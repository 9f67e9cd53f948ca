/**
 * A binding resolved from its secrets' values: the one definition the API
 * (`GET /v1/bindings/{service}/resolve`, and its Kubernetes form) and the `secretm` layer
 * (`getBinding`, `resolveBinding`) both use, so they answer the same.
 *
 * - An entry with a `key` is an environment variable: that key of an env secret.
 * - An entry without one is a file: the file secret's content as stored (`base64` for bytes), under the
 *   secret's own `filename`, in the entry's `mountPath` or else the secret's. The entry's `name` names
 *   the entry, not the file.
 * - A problem (a key that has gone, a file with nowhere to go, two files at one path) is a
 *   ConflictError that names the entry: the binding no longer resolves as it was saved.
 */
import { ConflictError } from '../errors.ts';
import type { SecretValue } from '../secrets/secret-types.ts';
import { envKeyPattern } from '../validation/name-patterns.ts';
import type { BindingEntry, ResolvedBinding, ResolvedFile } from './binding-types.ts';

/** `value` answers the current value of the secret an entry binds; it is asked once per entry. */
export function resolveBinding(
  service: string,
  entries: readonly BindingEntry[],
  value: (entry: BindingEntry) => SecretValue,
): ResolvedBinding {
  const resolved: ResolvedBinding = { service, env: {}, files: [] };
  const paths = new Set<string>();
  for (const entry of entries) {
    const problem = (message: string) =>
      new ConflictError(`binding ${service} no longer resolves: ${entry.name}${message}`);
    const bound = value(entry);
    if (bound.type === 'env') {
      if (entry.key === undefined) throw problem(`: secret ${entry.secret} holds keys; name one with key`);
      if (!Object.hasOwn(bound.data, entry.key))
        throw problem(`: secret ${entry.secret} has no key ${entry.key}`);
      if (!envKeyPattern.test(entry.name)) throw problem(' is not an environment variable name');
      resolved.env[entry.name] = bound.data[entry.key]!;
      continue;
    }
    if (entry.key !== undefined) throw problem(`: secret ${entry.secret} is a file; it has no keys`);
    const mountPath = entry.mountPath ?? bound.file.mountPath;
    if (mountPath === undefined) throw problem(`: secret ${entry.secret} has no mount path; give mountPath`);
    const file: ResolvedFile = {
      name: entry.name,
      mountPath,
      filename: bound.file.filename,
      ...(bound.file.mode ? { mode: bound.file.mode } : {}),
      encoding: bound.file.encoding,
      content: bound.file.content,
    };
    const path = filePath(file);
    if (paths.has(path)) throw problem(`: another entry puts a file at ${path}`);
    paths.add(path);
    resolved.files.push(file);
  }
  return resolved;
}

/** Where a resolved file goes: its mount path, then its own file name. */
export function filePath(file: Pick<ResolvedFile, 'mountPath' | 'filename'>): string {
  return `${file.mountPath.replace(/\/+$/, '')}/${file.filename}`;
}
