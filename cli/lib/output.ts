/**
 * Output for people and for scripts, as clig.dev and `gh` do it: tables, colour and ✓ lines on a
 * terminal; on a pipe, plain tab-separated rows with no header and no colour, and nothing said on
 * success but the data; `--json` everywhere. Messages go to stderr, data to stdout.
 */
import type { Writable } from 'node:stream';

interface Stream extends Writable {
  isTTY?: boolean;
}

function colourOn(stream: Stream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};
export type Style = keyof typeof codes;

export class Output {
  readonly tty: boolean;
  readonly json: boolean;
  private readonly stdout: Stream;
  private readonly stderr: Stream;
  private readonly colour: boolean;
  private readonly errColour: boolean;

  constructor(
    json: boolean,
    stdout: Stream = process.stdout,
    stderr: Stream = process.stderr,
    env = process.env,
  ) {
    this.json = json;
    this.stdout = stdout;
    this.stderr = stderr;
    this.tty = stdout.isTTY === true;
    this.colour = colourOn(stdout, env);
    this.errColour = colourOn(stderr, env);
  }

  /** Paints text for stdout (or stderr) when colour is on there. */
  style(style: Style, text: string, stream: 'out' | 'err' = 'out'): string {
    if (!(stream === 'out' ? this.colour : this.errColour)) return text;
    const [open, close] = codes[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** A line of data on stdout. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** Bytes or text on stdout exactly as given. */
  write(data: string | Uint8Array): void {
    this.stdout.write(data);
  }

  /** A value as JSON on stdout (what --json prints). */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * Rows: on a terminal aligned under a header; on a pipe tab-separated, no header, so that
   * `cut -f1` and `while read` work and the layout never depends on the width of the window.
   */
  table(header: string[], rows: string[][]): void {
    if (!this.tty) {
      for (const row of rows) this.line(row.map((cell) => cell.replace(/[\t\n]/g, ' ')).join('\t'));
      return;
    }
    const widths = header.map((title, i) =>
      Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
    );
    const render = (row: string[]) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    this.line(this.style('bold', render(header)));
    for (const row of rows) this.line(render(row));
  }

  /** `label  value` lines on a terminal; `label<TAB>value` on a pipe. */
  pairs(rows: [string, string][]): void {
    const width = Math.max(...rows.map(([label]) => label.length));
    for (const [label, value] of rows) {
      this.line(this.tty ? `${this.style('dim', label.padEnd(width))}  ${value}` : `${label}\t${value}`);
    }
  }

  /** A success line for people: on a terminal only, so piped output holds nothing but data. */
  success(message: string): void {
    if (this.json || !this.tty) return;
    this.line(`${this.style('green', '✓')} ${message}`);
  }

  /** A message on stderr (progress, notes); never data. */
  note(message: string): void {
    this.stderr.write(`${message}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`${this.style('yellow', 'warning:', 'err')} ${message}\n`);
  }

  error(message: string, details: string[] = []): void {
    this.stderr.write(`${this.style('red', 'error:', 'err')} ${message}\n`);
    for (const detail of details) this.stderr.write(`  ${this.style('dim', detail, 'err')}\n`);
  }

  get stderrIsTty(): boolean {
    return this.stderr.isTTY === true;
  }

  get errorStream(): Stream {
    return this.stderr;
  }
}

/** `2026-11-23T18:31:33.167Z` as `2026-11-23 18:31` on a terminal; as it is on a pipe. */
export function when(out: Output, iso: string | undefined): string {
  if (!iso) return '';
  return out.tty ? iso.replace('T', ' ').slice(0, 16) : iso;
}
