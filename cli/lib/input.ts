/** Reading what the user gives: standard input, files, a hidden prompt. */
import { readFile } from 'node:fs/promises';
import { usageError } from './errors.ts';

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/** A hidden prompt on the terminal (stderr), for a key or a confirmation. */
export async function prompt(message: string, hidden: boolean): Promise<string | undefined> {
  const clack = await import('@clack/prompts');
  const answer = hidden
    ? await clack.password({ message, output: process.stderr, mask: '•' })
    : await clack.text({ message, output: process.stderr });
  return clack.isCancel(answer) ? undefined : answer;
}
