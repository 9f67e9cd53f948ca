/**
 * Files that hold values for a moment (an edit, a run's files): in a folder only the user can enter,
 * each file owner-only, removed when the work ends — also when it ends by a signal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function privateFolder(purpose: string): Promise<string> {
  // mkdtemp creates the folder with mode 0700.
  return mkdtemp(join(tmpdir(), `secretm-${purpose}-`));
}

export async function removeAll(paths: Iterable<string>): Promise<void> {
  await Promise.all([...paths].map((path) => rm(path, { recursive: true, force: true })));
}
