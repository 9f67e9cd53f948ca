/** The data folder is its owner's only: created 0700 with its sub-folders, refused when others may enter. */
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataDirOf, prepareDataDir } from '../../local/data-dir.ts';
import { LocalModeError } from '../../local/local-mode-error.ts';

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'secretm-data-dir-'));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('the data folder', () => {
  it('is created owner-only, with its DynamoDB and vault folders', async () => {
    const dataDir = dataDirOf(join(parent, 'nested', '.secretm'));

    await prepareDataDir(dataDir);

    expect(await modeOf(dataDir.root)).toBe(0o700);
    expect(await modeOf(dataDir.dynamodb)).toBe(0o700);
    expect(await modeOf(dataDir.vault)).toBe(0o700);
  });

  it('is accepted again as it was left', async () => {
    const dataDir = dataDirOf(join(parent, '.secretm'));
    await prepareDataDir(dataDir);

    await expect(prepareDataDir(dataDir)).resolves.toBeUndefined();
  });

  it('is refused, and left as it is, when group or others may enter it', async () => {
    const root = join(parent, 'open');
    await mkdir(root);
    await chmod(root, 0o755);

    const refused = prepareDataDir(dataDirOf(root));

    await expect(refused).rejects.toThrow(LocalModeError);
    await expect(refused).rejects.toThrow(`${root} has mode 0755, so other users may reach secretm's keys`);
    await expect(refused).rejects.toThrow(`chmod 700 ${root}`);
    expect(await modeOf(root)).toBe(0o755);
  });

  it('is refused when its DynamoDB or vault folder is open to others', async () => {
    for (const folder of ['dynamodb', 'vault'] as const) {
      const dataDir = dataDirOf(join(parent, `open-${folder}`));
      await prepareDataDir(dataDir);
      await chmod(dataDir[folder], 0o750);

      await expect(prepareDataDir(dataDir)).rejects.toThrow(`${dataDir[folder]} has mode 0750`);
    }
  });

  it('is refused when a file stands where it should be', async () => {
    const root = join(parent, 'a-file');
    await writeFile(root, '');

    await expect(prepareDataDir(dataDirOf(root))).rejects.toThrow(`${root} is not a folder`);
  });
});
