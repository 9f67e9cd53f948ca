/**
 * A resolved binding as Kubernetes wants it: one `Secret` holding every value, and the `env`,
 * `volumes` and `volumeMounts` snippets that deliver it to a container. Each file is mounted where the
 * resolved binding puts it (resolve-binding.ts): its mount path, then its own file name.
 */
import type { ResolvedBinding } from './binding-types.ts';
import { filePath } from './resolve-binding.ts';

export function kubernetesManifest(resolved: ResolvedBinding) {
  const secretName = `${resolved.service.replace(/[^a-z0-9-]/g, '-').slice(0, 240)}-secretm`;
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(resolved.env))
    data[name] = Buffer.from(value, 'utf8').toString('base64');
  const fileKey = (i: number, filename: string) => `file-${i}-${filename.replace(/[^A-Za-z0-9._-]/g, '-')}`;
  resolved.files.forEach((file, i) => {
    data[fileKey(i, file.filename)] =
      file.encoding === 'base64' ? file.content : Buffer.from(file.content, 'utf8').toString('base64');
  });
  const volumeName = `${secretName}-files`.slice(0, 63);
  return {
    secret: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: secretName }, data },
    env: Object.keys(resolved.env).map((name) => ({
      name,
      valueFrom: { secretKeyRef: { name: secretName, key: name } },
    })),
    volumes:
      resolved.files.length === 0
        ? []
        : [
            {
              name: volumeName,
              secret: {
                secretName,
                items: resolved.files.map((file, i) => ({
                  key: fileKey(i, file.filename),
                  path: fileKey(i, file.filename),
                  ...(file.mode ? { mode: Number.parseInt(file.mode, 8) } : {}),
                })),
              },
            },
          ],
    volumeMounts: resolved.files.map((file, i) => ({
      name: volumeName,
      mountPath: filePath(file),
      subPath: fileKey(i, file.filename),
      readOnly: true,
    })),
  };
}
