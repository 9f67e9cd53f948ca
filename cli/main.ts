/**
 * `secretm`: parses the command line with the command table (program.ts), runs the command, and turns
 * what went wrong into a message on stderr — the API's message and request id, and what to do next —
 * and an exit code scripts can rely on (lib/errors.ts).
 */
import { CommanderError } from 'commander';
import { CliError, exitCodes } from './lib/errors.ts';
import { requestedExitCode } from './lib/outcome.ts';
import { Output } from './lib/output.ts';
import { buildProgram } from './program.ts';

export async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  // `secretm help keys create` as `secretm keys create --help`: commander's help command goes one level deep.
  const argv = args[0] === 'help' && args.length > 2 ? [...args.slice(1), '--help'] : args;
  const end = argv.indexOf('--');
  const json = (end < 0 ? argv : argv.slice(0, end)).includes('--json');
  const out = new Output(json);
  program.exitOverride();
  program.configureOutput({
    outputError: (text, write) => write(text.replace(/^error:/, out.style('red', 'error:', 'err'))),
  });
  for (const command of allCommands(program)) {
    command.exitOverride();
    command.configureOutput({
      outputError: (text, write) =>
        write(
          `${text.replace(/^error:/, out.style('red', 'error:', 'err'))}${out.style('dim', `(see \`secretm help ${commandPath(command)}\`)`, 'err')}\n`,
        ),
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return requestedExitCode() ?? exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0; a usage mistake has been printed already.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (error instanceof CliError) {
      report(out, error);
      return error.exitCode;
    }
    out.error(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodes.usage;
  }
}

function report(out: Output, error: CliError): void {
  if (out.json) {
    process.stderr.write(
      `${JSON.stringify({
        error: {
          message: error.message,
          exitCode: error.exitCode,
          ...(error.api ?? {}),
          ...(error.hint ? { hint: error.hint } : {}),
        },
      })}\n`,
    );
    return;
  }
  const details: string[] = [];
  if (error.api?.requestId) details.push(`request id: ${error.api.requestId}`);
  if (error.hint) details.push(error.hint);
  out.error(error.message, details);
}

function* allCommands(command: import('commander').Command): Generator<import('commander').Command> {
  for (const child of command.commands) {
    yield child;
    yield* allCommands(child);
  }
}

function commandPath(command: import('commander').Command): string {
  const names: string[] = [];
  for (let at: import('commander').Command | null = command; at?.parent; at = at.parent)
    names.unshift(at.name());
  return names.join(' ');
}
