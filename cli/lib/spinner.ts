/** A spinner on a terminal's stderr while something slow runs; nothing on a pipe or with --json. */
import type { Output } from './output.ts';

export async function withSpinner<T>(out: Output, message: string, work: () => Promise<T>): Promise<T> {
  if (!out.stderrIsTty || out.json) return work();
  const { spinner } = await import('@clack/prompts');
  const spin = spinner({ output: process.stderr, withGuide: false });
  spin.start(message);
  try {
    const result = await work();
    spin.stop(message);
    return result;
  } catch (error) {
    spin.error(message);
    throw error;
  }
}
