/**
 * The command table: every command of `secretm`, its arguments, options and help, once. Help,
 * `secretm help <command>` and the completion scripts are all built from it. Each command's work is in
 * cli/commands/, imported only when that command runs, so a command loads no more than it uses.
 */
import { Command, Option } from 'commander';
import { type Context, createContext, type GlobalOptions } from './context.ts';
import { collect, duration, isoTime, oneOf, positiveInt } from './lib/parse.ts';
import { cliVersion } from './version.ts';

// biome-ignore lint/suspicious/noExplicitAny: each command module types its own arguments and options
type Runner = { run(ctx: Context, args: any[], options: any): Promise<void> };

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;

export function buildProgram(): Command {
  const program = new Command('secretm')
    .description(
      'Secrets from secretm, for people and scripts: read, write, import, and run commands with them.',
    )
    .version(cliVersion, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\nEnvironment:\n  SECRETM_PROFILE   the profile to use (as --profile)\n  SECRETM_ENDPOINT  the API endpoint, overriding any profile (CI)\n  SECRETM_API_KEY   the API key, overriding any profile (CI)\n  SECRETM_CONFIG    the config file (default ~/.config/secretm/config.json)\n  NO_COLOR          no colour\n\nExit codes: 0 ok, 1 usage or other error, 2 not found, 3 forbidden, 4 conflict, 5 unavailable;\n\`secretm run\` exits with its command's code. More in docs/cli.md.\n`,
    );
  globals(program);

  const leaf = (parent: Command, nameAndArgs: string, summary: string, load: () => Promise<Runner>) => {
    const command = parent.command(nameAndArgs).description(summary).showHelpAfterError(false);
    globals(command);
    command.action(async (...all: unknown[]) => {
      const self = all.at(-1) as Command;
      const options = self.optsWithGlobals<GlobalOptions>();
      const { run } = await load();
      await run(createContext(options, program), all.slice(0, -2), options);
    });
    return command;
  };

  // Profiles
  leaf(
    program,
    'login',
    'Check a key and save it with its endpoint as a profile',
    () => import('./commands/login.ts'),
  )
    .option('--endpoint <url>', 'the secretm API (default: http://127.0.0.1:8765, local mode)')
    .option('--default', 'make this profile the default')
    .addHelpText(
      'after',
      `\nThe key is read from SECRETM_API_KEY, from standard input when it is not a terminal, or from a\nprompt; never from an argument, which would land in shell history.\n${examples(
        'secretm login',
        'secretm login --endpoint https://api.example.com --profile prod < key.txt',
      )}`,
    );
  leaf(program, 'logout', "Forget a profile's key", () => import('./commands/logout.ts'));
  leaf(
    program,
    'whoami',
    'Show the profile, endpoint and key in use, and what the key may do',
    () => import('./commands/whoami.ts'),
  );

  // Secrets
  leaf(program, 'ls', 'List secrets', () => import('./commands/ls.ts'))
    .option('--prefix <path>', 'only names starting with this (a folder: payments/)')
    .option('--tag <key[=value]>', 'only secrets with this tag (repeatable)', collect)
    .addOption(new Option('--type <type>', 'only env or file secrets').choices(['env', 'file']))
    .option('--connection <id>', 'only secrets on this connection')
    .option('--deleted', 'include secrets waiting out their recovery window')
    .addHelpText('after', examples('secretm ls --prefix payments/', 'secretm ls --tag team=payments --json'));
  leaf(program, 'get', "Print a secret's value", () => import('./commands/get.ts'))
    .argument('<name>', 'the secret')
    .option('--key <key>', 'print this key only')
    .option('--version <n>', 'an earlier version', positiveInt)
    .addOption(
      new Option('--format <format>', 'json, dotenv (env secrets) or raw (file secrets)').choices([
        'json',
        'dotenv',
        'raw',
      ]),
    )
    .addHelpText(
      'after',
      examples(
        'secretm get payments/prod/db',
        'secretm get payments/prod/db --key PASSWORD',
        'secretm get tls --format raw > tls.key',
      ),
    );
  leaf(
    program,
    'set',
    'Set keys of a secret (creating it if needed), from arguments, a .env file or stdin',
    () => import('./commands/set.ts'),
  )
    .argument('<name>', 'the secret')
    .argument('[pairs...]', 'KEY=VALUE pairs, or - to read dotenv text from standard input')
    .option('--from-file <file>', 'read the keys from a .env file')
    .option('--replace', 'replace the whole value (keys not given are removed) instead of setting keys')
    .option('--if-version <n>', 'only if the secret is still at this version (else exit 4)', positiveInt)
    .option('--connection <id>', 'the connection of a new secret')
    .option('--description <text>', 'the description of a new secret')
    .addHelpText(
      'after',
      `\nValues given as arguments land in shell history and are visible in ps; prefer --from-file or -.\n${examples(
        'secretm set app LOG_LEVEL=debug',
        'secretm set payments/prod/db --from-file .env --if-version 3',
        'op read op://vault/db | secretm set db -',
      )}`,
    );
  leaf(
    program,
    'edit',
    'Edit a secret in $EDITOR as dotenv, saved as a new version',
    () => import('./commands/edit.ts'),
  ).argument('<name>', 'the secret (env)');
  leaf(
    program,
    'rm',
    'Delete a secret (recoverable for 30 days unless --force)',
    () => import('./commands/rm.ts'),
  )
    .argument('<name>', 'the secret')
    .option('--force', 'delete now, with no recovery window')
    .option('--recovery-days <n>', 'days it stays recoverable (7–30)', positiveInt)
    .option('-y, --yes', 'do not ask before deleting with --force');
  leaf(program, 'restore', 'Cancel the deletion of a secret', () => import('./commands/restore.ts')).argument(
    '<name>',
    'the secret',
  );
  leaf(
    program,
    'versions',
    "List a secret's versions, newest first",
    () => import('./commands/versions.ts'),
  ).argument('<name>', 'the secret');
  leaf(
    program,
    'rollback',
    "Write an earlier version's value again, as a new version",
    () => import('./commands/rollback.ts'),
  )
    .argument('<name>', 'the secret')
    .requiredOption('--to <n>', 'the version to bring back', positiveInt)
    .option('--if-version <n>', 'only if the secret is still at this version', positiveInt);
  leaf(
    program,
    'clone',
    'Copy a secret to a new name, on the same or another connection',
    () => import('./commands/clone.ts'),
  )
    .argument('<name>', 'the secret to copy')
    .argument('<new-name>', 'the new secret')
    .option('--connection <id>', 'the connection of the copy');
  leaf(
    program,
    'import',
    'Import a .env file, a folder of them, or a secret already in a vault',
    () => import('./commands/import.ts'),
  )
    .argument('[path]', 'a .env file, or a folder of files')
    .option('--name <name>', 'the secret a single file becomes (default: the file name)')
    .option('--prefix <path>', 'prefix of the names a folder’s files become (payments/)')
    .addOption(
      new Option('--type <type>', 'env (dotenv files) or file (as they are)').choices(['env', 'file']),
    )
    .option('--skip-existing', 'leave secrets that exist already, and count them as skipped')
    .option('--connection <id>', 'the connection new secrets go to')
    .option('--from <connection>', 'adopt a secret that exists in this connection’s vault')
    .option('--ref <ref>', 'with --from: the vault’s own name, ARN or path of the secret')
    .addHelpText(
      'after',
      examples(
        'secretm import .env --name app',
        'secretm import ./envs --prefix payments/',
        'secretm import --from aws-prod --ref prod/db --name payments/prod/db',
      ),
    );
  leaf(
    program,
    'export',
    'Print secrets as one environment: dotenv, JSON or a Kubernetes Secret',
    () => import('./commands/export.ts'),
  )
    .argument('<names...>', 'the secrets (later ones win where keys repeat)')
    .addOption(
      new Option('--format <format>', 'dotenv, json or k8s')
        .choices(['dotenv', 'json', 'k8s'])
        .default('dotenv'),
    )
    .option('--k8s-name <name>', 'the Kubernetes Secret’s name (default: from the first secret)');
  leaf(
    program,
    'render',
    'Render a template with {{secrets.NAME.KEY}} references',
    () => import('./commands/render.ts'),
  )
    .argument('<template>', 'the template file, or - for standard input')
    .option('-o, --output <file>', 'write to this file (mode 0600) instead of standard output');
  leaf(program, 'rotate', 'Rotate a secret now', () => import('./commands/rotate.ts'))
    .argument('<name>', 'the secret')
    .option('--if-version <n>', 'only if the secret is still at this version', positiveInt);

  // Running commands
  leaf(
    program,
    'run',
    "Run a command with secrets in its environment (and a binding's files)",
    () => import('./commands/run.ts'),
  )
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-s, --secret <name>', 'a secret whose keys become variables (repeatable)', collect)
    .option('-b, --binding <service>', "a binding's variables and files")
    .option('-t, --template <file:out>', 'render a template to a file for the command (repeatable)', collect)
    .option('--mount-files', "write a binding's files to their mount paths instead of a private folder")
    .option('--override', 'let secrets replace variables already in the environment')
    .option('-w, --watch', 'restart the command when a secret gets a new version')
    .option('--watch-interval <duration>', 'how often --watch looks (default 5s)', duration)
    .passThroughOptions()
    .addHelpText(
      'after',
      `\nThe command gets the secrets' keys as variables (ones already set win unless --override), a\nbinding's files in a private folder named by SECRETM_FILES_DIR (or at their mount paths with\n--mount-files), and rendered templates; all are removed when it ends. Signals reach the command, and\nsecretm exits with its exit code. No value is printed, put on a command line, or left in a file.\n${examples(
        'secretm run --secret app -- npm start',
        'secretm run --binding checkout --watch -- node server.js',
        'secretm run -s db -t config.tpl:config.yml -- ./migrate',
      )}`,
    );

  // Administration
  const connections = program.command('connections').description('Vault connections');
  leaf(connections, 'ls', 'List connections', () => import('./commands/connections/ls.ts'));
  leaf(
    connections,
    'test',
    'Reach a vault and authenticate; say what worked',
    () => import('./commands/connections/test.ts'),
  ).argument('<id>', 'the connection');
  leaf(
    connections,
    'discover',
    "List a vault's existing secrets that could be imported",
    () => import('./commands/connections/discover.ts'),
  ).argument('<id>', 'the connection');
  leaf(
    program,
    'costs',
    'What each secret costs this month (or another)',
    () => import('./commands/costs.ts'),
  )
    .option('--month <yyyy-mm>', 'the month (UTC; default this one)')
    .addOption(new Option('--format <format>', 'table, csv or json').choices(['table', 'csv', 'json']));
  const keys = program.command('keys').description('API keys');
  leaf(
    keys,
    'create',
    'Create an API key; it is printed this once',
    () => import('./commands/keys/create.ts'),
  )
    .argument('<name>', 'a name for the key')
    .requiredOption('--scope <scope>', 'read, reveal, write or admin (repeatable)', collectScopes)
    .option('--rules <json-or-file>', 'access rules: a JSON array, or a file holding one (docs/access.md)')
    .option('--tenant <tenant>', 'the operator key only: another tenant')
    .option('--expires <iso-date>', 'when the key stops working')
    .addHelpText(
      'after',
      examples(
        'secretm keys create ci --scope read --scope reveal',
        `secretm keys create ci --scope read,reveal --rules '[{"actions":["read","reveal"],"secrets":["ci/**"]}]'`,
      ),
    );
  leaf(keys, 'ls', 'List API keys (never the keys themselves)', () => import('./commands/keys/ls.ts'));
  leaf(keys, 'revoke', 'Revoke an API key', () => import('./commands/keys/revoke.ts')).argument(
    '<id>',
    'the key id',
  );
  leaf(
    keys,
    'rotate-operator',
    'Replace the operator key (the operator only) and save it in the profile',
    () => import('./commands/keys/rotate-operator.ts'),
  );

  const audit = program
    .command('audit')
    .description('The audit: who did what, when, and whether it is intact');
  auditFilters(
    leaf(
      audit,
      'tail',
      'The latest audit events, oldest first; --follow for new ones',
      () => import('./commands/audit/tail.ts'),
    ),
  )
    .option('-n, --lines <n>', 'how many of the latest events (default 20)', positiveInt)
    .option('-f, --follow', 'keep printing new events as they are written, until Ctrl-C')
    .option('--interval <duration>', 'with --follow: how often to look (default 2s)', duration)
    .addHelpText(
      'after',
      `\nRows go oldest first, the newest last; with --json one JSON object a line. The reads tail makes are\nthemselves audited (audit.read) and not shown. Ctrl-C ends --follow with exit code 0.\n${examples(
        'secretm audit tail -f',
        'secretm audit tail --secret payments/prod/db --action secret.reveal -n 50',
        'secretm audit tail -f --outcome failure --json | jq .reason',
      )}`,
    );
  auditFilters(
    leaf(audit, 'ls', 'Audit events, newest first, filtered', () => import('./commands/audit/ls.ts')),
  )
    .option('--limit <n>', 'at most this many events (default 100)', positiveInt)
    .addHelpText(
      'after',
      examples(
        'secretm audit ls --since 24h --outcome failure',
        'secretm audit ls --from 2026-04-01 --to 2026-04-02 --json > audit.json',
      ),
    );
  leaf(
    audit,
    'verify',
    "Check the audit's HMACs and digest chain; exit 1 when an event was altered, removed or inserted",
    () => import('./commands/audit/verify.ts'),
  )
    .option('--from <time>', 'from this ISO 8601 time (default: when the audit was sealed)', isoTime)
    .option('--to <time>', 'to this ISO 8601 time (default: now)', isoTime);

  leaf(
    program,
    'completion',
    'Print a shell completion script: bash, zsh or fish',
    () => import('./commands/completion.ts'),
  )
    .argument('<shell>', 'bash, zsh or fish', oneOf(['bash', 'zsh', 'fish'] as const))
    .addHelpText(
      'after',
      examples(
        'source <(secretm completion bash)          # in ~/.bashrc',
        `secretm completion zsh > "\${fpath[1]}/_secretm"`,
        'secretm completion fish > ~/.config/fish/completions/secretm.fish',
      ),
    );
  return program;
}

/** The filters of `GET /v1/audit`, as options of `audit ls` and `audit tail`. */
function auditFilters(command: Command): Command {
  return command
    .option('--from <time>', 'events at or after this ISO 8601 time', isoTime)
    .option('--to <time>', 'events at or before this ISO 8601 time', isoTime)
    .option('--since <duration>', 'events of the last 30m, 2h, 7d… (--from wins)', duration)
    .option('--actor <actor>', 'apikey:<id>, jwt:<sub> or operator')
    .option('--action <action>', 'secret.reveal, secret.replace, api-key.create…')
    .option('--secret <name>', 'events about this secret')
    .addOption(new Option('--outcome <outcome>', 'success or failure').choices(['success', 'failure']))
    .option('--request-id <id>', "one request's events (its x-request-id)");
}

function globals(command: Command): void {
  command.option('--profile <name>', 'the profile to use').option('--json', 'print JSON');
}

const scopeNames = ['read', 'reveal', 'write', 'admin'];
function collectScopes(value: string, previous: string[] | undefined): string[] {
  const scopes = value.split(',').map((scope) => scope.trim());
  for (const scope of scopes) oneOf(scopeNames)(scope);
  return [...(previous ?? []), ...scopes];
}
