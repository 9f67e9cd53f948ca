/**
 * Templates: text with references to secrets, `{{secrets.NAME.KEY}}`, resolved by the API
 * (`POST /v1/render`) and by the secretm layer (`render()`). Pure: the caller passes a resolver that
 * answers a secret's whole value by name; this file parses, walks and substitutes.
 *
 * Syntax
 * - `{{secrets.NAME}}` is the whole value of a text secret; `{{secrets.NAME.KEY}}` one key of a map;
 *   further segments walk into the value to any depth: `{{secrets.cfg.db.primary.host}}` reads `db` of
 *   the secret `cfg`, parses it as JSON when it is a JSON string, then `primary`, then `host`. A numeric
 *   segment indexes an array. Spaces inside the braces are ignored (`{{ secrets.a.b }}`).
 * - A segment is letters, digits, `_` and `-`, and the secret's name may be a path of them
 *   (`{{secrets.payments/prod/db.password}}`); anything else (a secret name with `.`, a JSON key with
 *   spaces) is written in brackets as a JSON string: `{{secrets["my.name"]["key with space"]}}`.
 * - `\{{` (one backslash) is a literal `{{`, the backslash dropped; two backslashes before `{{` are one
 *   literal backslash followed by a reference. Any other backslash, and a `}}` outside a reference, is
 *   literal text.
 * - Each reference must end at a leaf: a string, number or boolean. An object, array or null is an error
 *   that names the reference, as is a secret or key that does not exist.
 * - A secret whose value is bytes (a base64 file) is the text those bytes hold when they are UTF-8, and
 *   is walked like any text; bytes that are not UTF-8 text are an error that names the reference.
 * - No recursion: a substituted value is inserted as is and never parsed again, so a secret that holds
 *   `{{secrets.other.key}}` renders as that text.
 * - Bounds: at most 64 KiB of template and 100 references (each occurrence counts).
 */
import {
  NotFoundError,
  PayloadTooLargeError,
  type SecretmError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';

export const templateLimits = { maxBytes: 64 * 1024, maxReferences: 100 } as const;

export interface TemplateReference {
  /** The secret's name. */
  name: string;
  /** Keys to walk inside its value, outermost first; empty for a whole text value. */
  path: string[];
  /** The reference as written between the braces, trimmed, for error messages. */
  text: string;
  line: number;
  column: number;
}

export type TemplatePart = { literal: string } | { reference: TemplateReference };

/** Answers the whole value of the secret `name` (a map, a parsed JSON value, or text); NotFoundError when absent. */
export type SecretValueResolver = (name: string) => unknown | Promise<unknown>;

const bareSegment = /^[A-Za-z0-9_-]+/;
/** The secret's name, first after `secrets.`, may be a path: `{{secrets.payments/prod/db.password}}`. */
const bareName = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*/;

/** Splits a template into literal text and references. ValidationError naming the line and column of a bad reference. */
export function parseTemplate(template: string, limits = templateLimits): TemplatePart[] {
  if (typeof template !== 'string') throw new ValidationError('a template is a string');
  const bytes = Buffer.byteLength(template, 'utf8');
  if (bytes > limits.maxBytes) {
    throw new PayloadTooLargeError(
      `the template is ${bytes} bytes; a template holds at most ${limits.maxBytes} bytes`,
    );
  }
  const parts: TemplatePart[] = [];
  let literal = '';
  let references = 0;
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open === -1) {
      literal += template.slice(i);
      break;
    }
    // Backslashes right before `{{`: `\{{` escapes it, `\\{{` is one backslash and a reference.
    let slashes = 0;
    while (open - slashes - 1 >= i && template[open - slashes - 1] === '\\') slashes++;
    if (slashes === 1) {
      literal += `${template.slice(i, open - 1)}{{`;
      i = open + 2;
      continue;
    }
    literal += template.slice(i, slashes >= 2 ? open - 1 : open);
    const close = template.indexOf('}}', open + 2);
    const where = position(template, open);
    if (close === -1) {
      throw syntaxError(
        where,
        'a reference opened with "{{" is never closed with "}}" (write \\{{ for a literal {{)',
      );
    }
    references++;
    if (references > limits.maxReferences) {
      throw new ValidationError(`a template holds at most ${limits.maxReferences} references`, {
        details: [{ path: `template:${where.line}:${where.column}`, message: 'too many references' }],
      });
    }
    if (literal) parts.push({ literal });
    literal = '';
    parts.push({ reference: parseReference(template.slice(open + 2, close), where) });
    i = close + 2;
  }
  if (literal) parts.push({ literal });
  return parts;
}

/** The distinct secret names a template refers to, in order of first use. */
export function referencedSecrets(parts: readonly TemplatePart[]): string[] {
  const names = new Set<string>();
  for (const part of parts) if ('reference' in part) names.add(part.reference.name);
  return [...names];
}

/**
 * Renders a template: every secret it names is resolved once (all at once, so a batching resolver can
 * batch), then each reference is replaced by the leaf it walks to. A missing secret or key is an
 * UnprocessableError naming the reference; other resolver errors (an unreachable vault) pass through.
 */
export async function renderTemplate(
  template: string,
  resolveSecret: SecretValueResolver,
  limits = templateLimits,
): Promise<string> {
  const parts = parseTemplate(template, limits);
  const names = referencedSecrets(parts);
  const settled = await Promise.allSettled(names.map(async (name) => resolveSecret(name)));
  const values = new Map<string, PromiseSettledResult<unknown>>(names.map((name, i) => [name, settled[i]!]));
  let out = '';
  for (const part of parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const { reference } = part;
    const result = values.get(reference.name)!;
    if (result.status === 'rejected') {
      const error = result.reason;
      if (error instanceof NotFoundError) {
        throw referenceError(reference, `there is no secret "${reference.name}"`, error);
      }
      throw error;
    }
    out += leafText(
      reference,
      walkValue(textOf(result.value), reference.path, (message) => referenceError(reference, message)),
    );
  }
  return out;
}

/**
 * Walks `path` into a value: an object by key, an array by index, and a string that holds JSON (an
 * object or array) is parsed before walking on. `fail` makes the error for a step that does not exist.
 */
export function walkValue(
  value: unknown,
  path: readonly string[],
  fail: (message: string) => Error,
): unknown {
  let current = value;
  const walked: string[] = [];
  for (const key of path) {
    if (typeof current === 'string') current = parseJsonContainer(current);
    if (Array.isArray(current)) {
      const index = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : -1;
      if (index < 0 || index >= current.length) throw fail(missing(walked, key, 'index'));
      current = current[index];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, key)) {
      current = (current as Record<string, unknown>)[key];
    } else {
      throw fail(missing(walked, key, 'key'));
    }
    walked.push(key);
  }
  return current;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as the UTF-8 text they hold; bytes that are not UTF-8 (and anything else) as they are. */
function textOf(value: unknown): unknown {
  if (!(value instanceof Uint8Array)) return value;
  try {
    return utf8.decode(value);
  } catch {
    return value;
  }
}

function missing(walked: readonly string[], key: string, what: 'key' | 'index'): string {
  const at = walked.length === 0 ? 'the secret' : `"${walked.join('.')}"`;
  return `${at} has no ${what} "${key}"`;
}

function parseJsonContainer(text: string): unknown {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function leafText(reference: TemplateReference, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) {
    throw referenceError(reference, 'is binary; a template can only hold text values');
  }
  const what = value === null ? 'is null' : Array.isArray(value) ? 'is a list' : 'holds several keys';
  throw referenceError(reference, `${what}; name a single key inside it`);
}

function referenceError(reference: TemplateReference, message: string, cause?: unknown): SecretmError {
  return new UnprocessableError(
    `{{${reference.text}}} at line ${reference.line}, column ${reference.column}: ${message}`,
    {
      cause,
      details: [{ path: `template:${reference.line}:${reference.column}`, message: `{{${reference.text}}}` }],
    },
  );
}

function parseReference(raw: string, where: { line: number; column: number }): TemplateReference {
  const text = raw.trim();
  if (!text.startsWith('secrets')) {
    throw syntaxError(where, 'a reference is written {{secrets.NAME.KEY}} (write \\{{ for a literal {{)');
  }
  const segments: string[] = [];
  let rest = text.slice('secrets'.length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const match = (segments.length === 0 ? bareName : bareSegment).exec(rest.slice(1));
      if (!match) {
        throw syntaxError(
          where,
          'after "." comes a name of letters, digits, "_" and "-"; write other names in brackets, as ["my.name"]',
        );
      }
      segments.push(match[0]);
      rest = rest.slice(1 + match[0].length);
    } else if (rest.startsWith('["')) {
      const end = quotedEnd(rest, 1);
      if (end === -1 || rest[end + 1] !== ']') {
        throw syntaxError(where, 'a bracketed name is a JSON string closed by "]", as ["my.name"]');
      }
      let segment: unknown;
      try {
        segment = JSON.parse(rest.slice(1, end + 1));
      } catch (error) {
        throw syntaxError(where, 'a bracketed name is a JSON string, as ["my.name"]', error);
      }
      if (typeof segment !== 'string' || segment.length === 0) {
        throw syntaxError(where, 'a bracketed name is a non-empty JSON string');
      }
      segments.push(segment);
      rest = rest.slice(end + 2);
    } else {
      throw syntaxError(where, 'a reference is written {{secrets.NAME.KEY}}, with no spaces inside the path');
    }
  }
  const [name, ...path] = segments;
  if (name === undefined) throw syntaxError(where, 'a reference names a secret: {{secrets.NAME.KEY}}');
  return { name, path, text, line: where.line, column: where.column };
}

/** Index of the closing quote of the JSON string that opens at `start`; -1 when it never closes. */
function quotedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

function position(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

function syntaxError(
  where: { line: number; column: number },
  message: string,
  cause?: unknown,
): ValidationError {
  return new ValidationError(`template line ${where.line}, column ${where.column}: ${message}`, {
    cause,
    details: [{ path: `template:${where.line}:${where.column}`, message }],
  });
}
