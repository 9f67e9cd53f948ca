/**
 * `secretm completion bash|zsh|fish`: a completion script made from the command table (program.ts),
 * so it offers exactly the commands and options that exist: subcommands, then each command's options;
 * file names where a command takes a path; after `run … --`, commands.
 */
import type { Command, Option } from 'commander';
import type { Context } from '../context.ts';

interface Node {
  path: string;
  summary: string;
  subcommands: { name: string; summary: string }[];
  options: { flag: string; summary: string; takesValue: boolean; short?: string }[];
}

export async function run(ctx: Context, [shell]: ['bash' | 'zsh' | 'fish']): Promise<void> {
  const nodes = collect(ctx.program, '');
  ctx.out.write({ bash, zsh, fish }[shell](nodes));
}

function collect(command: Command, path: string): Node[] {
  const node: Node = {
    path,
    summary: command.description(),
    subcommands: command.commands.map((child) => ({ name: child.name(), summary: child.description() })),
    options: [...command.options, helpOption(command)].flatMap((option) => optionOf(option)),
  };
  if (path === '') node.subcommands.push({ name: 'help', summary: 'show help for a command' });
  return [
    node,
    ...command.commands.flatMap((child) => collect(child, path ? `${path} ${child.name()}` : child.name())),
  ];
}

function helpOption(command: Command): Option {
  // biome-ignore lint/suspicious/noExplicitAny: commander keeps its help option apart from .options
  return (command as any)._getHelpOption?.() ?? (command.options[0] as Option);
}

function optionOf(option: Option | undefined) {
  if (!option?.long) return [];
  return [
    {
      flag: option.long,
      summary: option.description,
      takesValue: option.required || option.optional,
      ...(option.short ? { short: option.short } : {}),
    },
  ];
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

function bash(nodes: Node[]): string {
  const paths = nodes.filter((node) => node.path && node.subcommands.length > 0).map((node) => node.path);
  const all = nodes.filter((node) => node.path).map((node) => node.path);
  const cases = nodes
    .map((node) => {
      const words = [...node.subcommands.map((sub) => sub.name)].join(' ');
      const options = node.options
        .flatMap((option) => [option.flag, ...(option.short ? [option.short] : [])])
        .join(' ');
      return `    ${quote(node.path)}) subcommands=${quote(words)}; options=${quote(options)} ;;`;
    })
    .join('\n');
  return `# secretm completion for bash: source <(secretm completion bash)
_secretm() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ "$word" == "--" && "$path" == "run" ]]; then
      COMPREPLY=($(compgen -c -- "$cur"))
      return
    fi
    [[ "$word" == -* ]] && continue
    case "\${path:+$path }$word" in
      ${all.map(quote).join('|')}) path="\${path:+$path }$word" ;;
    esac
  done
  local subcommands="" options=""
  case "$path" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  elif [[ -n "$subcommands" ]]; then
    COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
  fi
}
# Paths with subcommands: ${paths.join(', ')}
complete -o default -o bashdefault -F _secretm secretm
`;
}

function zsh(nodes: Node[]): string {
  const zshEscape = (text: string) =>
    text.replaceAll('\\', '\\\\').replaceAll(':', '\\:').replaceAll("'", "'\\''");
  const all = nodes.filter((node) => node.path).map((node) => node.path);
  const cases = nodes
    .map((node) => {
      const subs = node.subcommands
        .map((sub) => `'${zshEscape(sub.name)}:${zshEscape(sub.summary)}'`)
        .join(' ');
      const options = node.options
        .map((option) => `'${zshEscape(option.flag)}:${zshEscape(option.summary)}'`)
        .join(' ');
      return `    ${quote(node.path)}) subcommands=(${subs}); options=(${options}) ;;`;
    })
    .join('\n');
  return `#compdef secretm
# secretm completion for zsh: secretm completion zsh > "\${fpath[1]}/_secretm"
_secretm() {
  local path="" word i
  local -a subcommands options
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    if [[ "$word" == "--" && "$path" == "run" ]]; then
      shift $i words
      (( CURRENT -= i ))
      _normal
      return
    fi
    [[ "$word" == -* ]] && continue
    case "\${path:+$path }$word" in
      ${all.map(quote).join('|')}) path="\${path:+$path }$word" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    _describe -t options 'option' options
  elif (( \${#subcommands} )); then
    _describe -t commands 'command' subcommands
  else
    _files
  fi
}
if [[ "$funcstack[1]" == "_secretm" ]]; then _secretm "$@"; else compdef _secretm secretm; fi
`;
}

function fish(nodes: Node[]): string {
  const lines = [
    '# secretm completion for fish: secretm completion fish > ~/.config/fish/completions/secretm.fish',
  ];
  const groups = nodes.filter((node) => node.path && node.subcommands.length > 0);
  const topLevel = nodes.find((node) => node.path === '')!;
  const seen = (path: string) => `__fish_seen_subcommand_from ${path.split(' ').at(-1)}`;
  lines.push('complete -c secretm -f');
  for (const sub of topLevel.subcommands) {
    lines.push(`complete -c secretm -n __fish_use_subcommand -a ${quote(sub.name)} -d ${quote(sub.summary)}`);
  }
  for (const option of topLevel.options) lines.push(fishOption('__fish_use_subcommand', option));
  for (const group of groups) {
    const names = group.subcommands.map((sub) => sub.name).join(' ');
    for (const sub of group.subcommands) {
      lines.push(
        `complete -c secretm -n ${quote(`${seen(group.path)}; and not __fish_seen_subcommand_from ${names}`)} -a ${quote(sub.name)} -d ${quote(sub.summary)}`,
      );
    }
  }
  for (const node of nodes.filter((item) => item.path && item.subcommands.length === 0)) {
    const parts = node.path.split(' ');
    const condition = parts.length > 1 ? `${seen(parts[0]!)}; and ${seen(node.path)}` : seen(node.path);
    for (const option of node.options) lines.push(fishOption(condition, option));
    if (['import', 'render', 'set', 'edit'].includes(node.path))
      lines.push(`complete -c secretm -n ${quote(condition)} -F`);
  }
  return `${lines.join('\n')}\n`;
}

function fishOption(condition: string, option: Node['options'][number]): string {
  const short = option.short ? ` -s ${option.short.replace(/^-/, '')}` : '';
  return `complete -c secretm -n ${quote(condition)} -l ${option.flag.replace(/^--/, '')}${short}${option.takesValue ? ' -r' : ''} -d ${quote(option.summary)}`;
}
