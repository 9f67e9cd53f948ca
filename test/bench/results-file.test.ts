/** The owned sections of bench/RESULTS.md: each bench replaces its own and leaves the others as they were. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepingSections, sectionOf, withSection, writeOwnedSection } from '../../bench/results-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secretm-results-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('owned sections', () => {
  it('replaces only its own section and appends one that is missing', () => {
    const first = withSection('# results\n', 'cli', 'cli one');
    const both = withSection(first, 'audit', 'audit one');
    const again = withSection(both, 'cli', 'cli two');
    expect(sectionOf(again, 'cli')).toContain('cli two');
    expect(again).not.toContain('cli one');
    expect(sectionOf(again, 'audit')).toContain('audit one');
    expect(again.indexOf('cli two')).toBeLessThan(again.indexOf('audit one'));
  });

  it('keeps a body that holds replacement patterns as written', () => {
    const text = withSection(withSection('# r\n', 'cli', 'old'), 'cli', 'costs $& and $1');
    expect(text).toContain('costs $& and $1');
  });

  it('keeps every owned section when the whole file is written fresh', () => {
    const previous = withSection(withSection('# old\n', 'tenancy', 'T'), 'console', 'C');
    const fresh = keepingSections('# new\n', previous);
    expect(fresh.startsWith('# new')).toBe(true);
    expect(sectionOf(fresh, 'tenancy')).toContain('T');
    expect(sectionOf(fresh, 'console')).toContain('C');
  });

  it('writes a section into the file, starting a file that does not exist and formatting it', async () => {
    const file = join(dir, 'RESULTS.md');
    await writeOwnedSection('audit', '| a | b |\n|---|---|\n| 1 | 2 |', file);
    await writeFile(file, `${await readFile(file, 'utf8')}\nkept line\n`);
    await writeOwnedSection('cli', 'cli figures', file);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# secretm — benchmark results')).toBe(true);
    expect(sectionOf(text, 'audit')).toContain('| a   | b   |');
    expect(text).toContain('kept line');
    expect(sectionOf(text, 'cli')).toContain('cli figures');
  });
});
