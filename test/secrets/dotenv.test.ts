import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { formatDotenv, parseDotenv } from '../../shared/secrets/dotenv.ts';

function refusalOf(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

function refusedLines(text: string): string[] {
  return (refusalOf(() => parseDotenv(text)).details ?? []).map((detail) => detail.path);
}

/** Everything a refusal shows a caller: its message and each detail. */
function shownText(error: ValidationError): string {
  return JSON.stringify({ message: error.message, details: error.details });
}

describe('parseDotenv reads the syntax users paste', () => {
  it('reads KEY=value lines, skipping blank lines and comment lines', () => {
    // Prepare
    const text = ['# database', '', 'HOST=db.internal', '   # indented comment', '', 'PORT=5432'].join('\n');

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ HOST: 'db.internal', PORT: '5432' });
  });

  it('drops a trailing comment after an unquoted value, and trims the value', () => {
    // Prepare
    const text = 'PORT=5432 # the default\nNAME =  spaced out value \t# why\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ PORT: '5432', NAME: 'spaced out value' });
  });

  it('accepts the export prefix', () => {
    // Prepare
    const text = 'export API_URL=https://api.example.com\nexport   TOKEN="t"\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ API_URL: 'https://api.example.com', TOKEN: 't' });
  });

  it('keeps single-quoted values literally: spaces, #, $ and backslashes included', () => {
    // Prepare
    const text = String.raw`GREETING='  hi # there $HOME \n  '`;

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ GREETING: String.raw`  hi # there $HOME \n  ` });
  });

  it('turns \\n and \\r into line breaks in double quotes, as dotenv does, and keeps other backslashes', () => {
    // Prepare
    const text = [String.raw`PEM="line1\nline2\r\nend" # a comment`, String.raw`QUOTED="say \"hi\""`].join(
      '\n',
    );

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ PEM: 'line1\nline2\r\nend', QUOTED: String.raw`say \"hi\"` });
  });

  it('reads backtick-quoted values literally, so they can hold both other quotes', () => {
    // Prepare
    const text = 'JSON=`{"it\'s": "fine"} \\n`';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ JSON: '{"it\'s": "fine"} \\n' });
  });

  it('reads a multi-line double-quoted value over the lines it spans, whatever those lines hold', () => {
    // Prepare
    const text = [
      'FIRST=1',
      '# certificate',
      'CERT="-----BEGIN CERTIFICATE-----',
      'NOT_A_KEY=MIIB # not a comment',
      '-----END CERTIFICATE-----"',
      'LAST=2',
    ].join('\n');

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({
      FIRST: '1',
      CERT: '-----BEGIN CERTIFICATE-----\nNOT_A_KEY=MIIB # not a comment\n-----END CERTIFICATE-----',
      LAST: '2',
    });
  });

  it('counts the lines of a multi-line value when it names a bad line after it', () => {
    // Prepare
    const text = ['FIRST=1', '', 'CERT="-----BEGIN-----', 'MIIB', '-----END-----"', 'LAST=2', 'oops'].join(
      '\n',
    );

    // Act
    const lines = refusedLines(text);

    // Assess
    expect(lines).toEqual(['dotenv:7']);
  });

  it('reads multi-line single- and backtick-quoted values without touching backslashes', () => {
    // Prepare
    const text = 'SCRIPT=\'#!/bin/sh\necho "$1\\n"\'\nDOC=`it\'s\n"two" lines`\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ SCRIPT: '#!/bin/sh\necho "$1\\n"', DOC: 'it\'s\n"two" lines' });
  });

  it('reads CRLF line endings, inside multi-line values too', () => {
    // Prepare
    const text = 'A=1\r\nB="x\r\ny"\r\nC=3 # note\r\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ A: '1', B: 'x\ny', C: '3' });
  });

  it('counts CRLF lines when it names a bad line', () => {
    // Prepare
    const text = 'A=1\r\n\r\nNOT AN ASSIGNMENT\r\n';

    // Act
    const lines = refusedLines(text);

    // Assess
    expect(lines).toEqual(['dotenv:3']);
  });

  it('reads the KEY: value form dotenv accepts', () => {
    // Prepare
    const text = 'HOST: db.internal\nPORT:\t5432\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ HOST: 'db.internal', PORT: '5432' });
  });

  it('reads empty values, quoted or not', () => {
    // Prepare
    const text = 'A=\nB=""\nC=\'\'\nD= # nothing here\nE=``\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ A: '', B: '', C: '', D: '', E: '' });
  });

  it('keeps = and quotes inside an unquoted value', () => {
    // Prepare
    const text = 'QUERY=a=1&b="2"\nRATIO=it\'s 1:2\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ QUERY: 'a=1&b="2"', RATIO: "it's 1:2" });
  });

  it('ignores a byte order mark before the first line', () => {
    // Prepare
    const text = '\ufeffA=1\n';

    // Act
    const data = parseDotenv(text);

    // Assess
    expect(data).toEqual({ A: '1' });
  });
});

describe('parseDotenv refuses lines dotenv would drop or misread', () => {
  it.each([
    ['two words', 'A=1\nFOO BAR\n', 'dotenv:2', 'has no ='],
    ['a lone word', 'A=1\n\nLONELY\n', 'dotenv:3', 'has no ='],
    ['a lone export', 'export\nA=1\n', 'dotenv:1', 'has no ='],
    ['a value with no name', 'A=1\n=value\n', 'dotenv:2', 'no name before the ='],
    [
      'a name with a dash',
      'A=1\n1NVALID-KEY=x\n',
      'dotenv:2',
      '"1NVALID-KEY" is not an environment variable name',
    ],
    ['a name with a dot', 'app.port=80\n', 'dotenv:1', '"app.port" is not an environment variable name'],
    ['a name starting with a digit', 'A=1\nB=2\n9LIVES=x\n', 'dotenv:3', '"9LIVES" is not an environment'],
    ['a name with a space', 'MY KEY=x\n', 'dotenv:1', 'holds a space'],
    ['a name with other letters', 'FÖO=x\n', 'dotenv:1', 'other than letters, digits and underscores'],
    ['a colon with no space after it', 'A=1\nHOST:db\n', 'dotenv:2', 'space after the colon'],
    ['the name __proto__', '__proto__=x\n', 'dotenv:1', '__proto__ is reserved'],
    [
      'a quote that is never closed',
      'A=1\nB="abc\nC=3\n',
      'dotenv:2',
      'double-quoted value of B is never closed',
    ],
    ['a value closed by an escaped quote only', "A='abc\\'\n", 'dotenv:1', 'never closed'],
    ['text after a closing quote', "A=1\nB='it's'\n", 'dotenv:2', 'text follows the closing quote'],
    ['a quote that runs on into later lines', 'A="abc\nB=1\nC="x"\n', 'dotenv:1', 'runs on to line 3'],
    ['a value on the line after =', 'A=\n"swallowed"\n', 'dotenv:2', 'has no ='],
    ['a # with no space before it', 'PASSWORD=abc#123\n', 'dotenv:1', 'holds a # with no space before it'],
    ['a # right after =', 'PASSWORD=#123\n', 'dotenv:1', 'holds a # with no space before it'],
    ['a line separator in a comment', '# note\u2028B=1\nA=1\n', 'dotenv:1', 'U+2028 or U+2029'],
    ['a line separator in an unquoted value', 'A=x\u2029B=1\n', 'dotenv:1', 'U+2028 or U+2029'],
  ])('refuses %s, naming its line', (_, text, line, message) => {
    // Act
    const error = refusalOf(() => parseDotenv(text));

    // Assess
    expect(error.details).toEqual([{ path: line, message: expect.stringContaining(message) }]);
  });

  it('reports every bad line at once, in line order', () => {
    // Prepare
    const text = [
      'GOOD=1',
      'FOO BAR',
      '=value',
      'OK="multi',
      'line"',
      '1BAD=x',
      '# fine',
      'word',
      'HASH=a#b',
    ].join('\n');

    // Act
    const error = refusalOf(() => parseDotenv(text));

    // Assess
    expect(error.details?.map((detail) => detail.path)).toEqual([
      'dotenv:2',
      'dotenv:3',
      'dotenv:6',
      'dotenv:8',
      'dotenv:9',
    ]);
    expect(error.message).toMatch(/^dotenv:2: .* \(and 4 more\)$/);
  });

  it('refuses a key defined twice, naming both lines', () => {
    // Prepare
    const text = 'A=1\nB=2\nA=3\n';

    // Act
    const error = refusalOf(() => parseDotenv(text));

    // Assess
    expect(error.details).toEqual([
      { path: 'dotenv:1', message: 'A is defined more than once: on lines 1 and 3' },
      { path: 'dotenv:3', message: 'A is defined more than once: on lines 1 and 3' },
    ]);
  });

  it('names every line of a key defined three times, next to other bad lines', () => {
    // Prepare
    const text = 'A=1\nA=2\nbad line\nA="x\ny"\n';

    // Act
    const lines = refusedLines(text);

    // Assess
    expect(lines).toEqual(['dotenv:1', 'dotenv:2', 'dotenv:3', 'dotenv:4']);
  });

  it.each([
    ['empty text', ''],
    ['blank lines', '\n  \n\r\n'],
    ['only comments', '# one\n  # two\n'],
  ])('refuses %s as holding no variables', (_, text) => {
    // Act
    const error = refusalOf(() => parseDotenv(text));

    // Assess
    expect(error.message).toBe('the dotenv text holds no variables');
  });

  it('never shows a value in a refusal', () => {
    // Prepare
    const text = [
      'TOKEN=s3cr3t-one#s3cr3t-two',
      'sk_live_lonely_token',
      'API_KEY="sk_live_unclosed',
      'PASS=hunter2',
      'PASS=hunter3',
      "QUOTE='sk_live_x'sk_live_y'",
      'has space=sk_live_z',
    ].join('\n');

    // Act
    const shown = shownText(refusalOf(() => parseDotenv(text)));

    // Assess
    for (const value of ['s3cr3t', 'sk_live', 'hunter']) expect(shown).not.toContain(value);
  });
});

describe('formatDotenv writes text parseDotenv reads back', () => {
  it('writes plain values bare and quotes the others', () => {
    // Prepare
    const data = {
      URL: 'postgres://app:pw@db:5432/main',
      EMPTY: '',
      GREETING: 'hello world',
      PEM: 'line1\nline2',
      APOSTROPHE: "it's",
      WINDOWS: 'C:\\new\\table',
    };

    // Act
    const text = formatDotenv(data);

    // Assess
    expect(text).toBe(
      [
        'URL=postgres://app:pw@db:5432/main',
        'EMPTY=',
        "GREETING='hello world'",
        'PEM="line1\\nline2"',
        'APOSTROPHE="it\'s"',
        "WINDOWS='C:\\new\\table'",
        '',
      ].join('\n'),
    );
  });

  it('round-trips hand-picked nasty values exactly', () => {
    // Prepare
    const nasty = [
      '',
      ' ',
      '\t',
      '  leading',
      'trailing  ',
      '#hash',
      'a # b',
      'a#b',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion dotenv must keep as text
      '$HOME ${X} $(rm -rf /)',
      '\\',
      'ends with a backslash\\',
      'C:\\new\\row',
      '\\n literally',
      'line1\nline2',
      '\n',
      '\r\n',
      'cr\ronly',
      '\n\nblank lines\n\n',
      '"double"',
      "'single'",
      '`backtick`',
      'it\'s "all" but one',
      'say "hi"\nand \'bye\'',
      'x\'"` all three on one line',
      'a\\"b',
      "a\\'b",
      'é😀 中文',
      '\u2028',
      'a\u2028b\u2029c',
      '\u00a0nbsp\u00a0',
      '\ufeffbom',
      'NUL\u0000byte',
      'KEY=value',
      'export X=1',
      '=',
      ': x',
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC+/=\n-----END PRIVATE KEY-----\n',
      '{"json": "value", "n": 1}',
    ];
    const data = Object.fromEntries(nasty.map((value, i) => [`VALUE_${i}`, value]));

    // Act
    const read = parseDotenv(formatDotenv(data));

    // Assess
    expect(read).toEqual(data);
    expect(Object.keys(read)).toEqual(Object.keys(data));
  });

  it('round-trips generated maps exactly, and refuses only values no quoting can hold', () => {
    // Prepare
    const random = seededRandom(20240611);
    const maps = Array.from({ length: 400 }, (_, i) => generatedMap(random, i % 2 === 0 ? 'tame' : 'wild'));
    let written = 0;
    let refused = 0;

    for (const data of maps) {
      // Act
      let text: string;
      try {
        text = formatDotenv(data);
      } catch (error) {
        // Assess: a refusal names only values that every quote kind is ruled out for, and never shows them
        if (!(error instanceof ValidationError)) throw error;
        refused++;
        const keys = (error.details ?? []).map((detail) => detail.path.replace(/^data\./, ''));
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) {
          const value = data[key]!;
          expect(noQuoteCanHold(value), JSON.stringify(value)).toBe(true);
          if (value.length > 3) expect(shownText(error)).not.toContain(value);
        }
        continue;
      }

      // Assess
      written++;
      expect(parseDotenv(text)).toEqual(data);
    }
    expect(written).toBeGreaterThan(250);
    expect(refused).toBeGreaterThan(0);
  });

  it('writes every generated tame map: one kind of quote at most, no CR, no trailing backslash', () => {
    // Prepare
    const random = seededRandom(7);
    const maps = Array.from({ length: 200 }, () => generatedMap(random, 'tame'));

    // Act
    const read = maps.map((data) => parseDotenv(formatDotenv(data)));

    // Assess
    expect(read).toEqual(maps);
  });

  it('refuses a value holding all three quote kinds and a line break, naming the key but not the value', () => {
    // Prepare
    const value = 'it\'s "quoted" `thrice`\nand spans lines';
    const data = { FINE: 'ok', IMPOSSIBLE: value };

    // Act
    const error = refusalOf(() => formatDotenv(data));

    // Assess
    expect(error.details).toEqual([
      { path: 'data.IMPOSSIBLE', message: expect.stringContaining('cannot be written') },
    ]);
    expect(error.message).toContain('IMPOSSIBLE');
    expect(shownText(error)).not.toContain('thrice');
  });

  it('refuses a value that needs quotes but ends with a backslash, which would escape the closing quote', () => {
    // Prepare
    const data = { LEADING_SPACE: ' C:\\dir\\', HASH: 'a#b\\' };

    // Act
    const error = refusalOf(() => formatDotenv(data));

    // Assess
    expect(error.details?.map((detail) => detail.path)).toEqual(['data.LEADING_SPACE', 'data.HASH']);
  });

  it('refuses names that are not environment variable names', () => {
    // Prepare
    const data = JSON.parse('{"app.port": "80", "1ST": "x", "__proto__": "x", "OK": "1"}') as Record<
      string,
      string
    >;

    // Act
    const error = refusalOf(() => formatDotenv(data));

    // Assess
    expect(error.details?.map((detail) => detail.path)).toEqual([
      'data.app.port',
      'data.1ST',
      'data.__proto__',
    ]);
  });

  it('refuses an empty map, which no dotenv text reads back to', () => {
    // Act
    const error = refusalOf(() => formatDotenv({}));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
  });
});

/** mulberry32: a small, fixed-seed generator, so a failing map can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = [
  'a',
  'Z',
  '0',
  '_',
  'value',
  ' ',
  '  ',
  '\t',
  '\n',
  '\\',
  '\\n',
  '\\r',
  '\\t',
  '#',
  ' # ',
  '$',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion dotenv must keep as text
  '${HOME}',
  '=',
  ':',
  'export ',
  'é',
  '😀',
  '\u2028',
  '\u00a0',
  '\ufeff',
  '\u0000',
];
const quotes = ["'", '"', '`'];
const nameStart = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_';
const nameRest = `${nameStart}0123456789`;

/**
 * A map of 1–6 keys. Tame values use at most one kind of quote, no CR and no trailing backslash, so
 * some quoting always holds them; wild values may use anything.
 */
function generatedMap(random: () => number, flavour: 'tame' | 'wild'): Record<string, string> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const data: Record<string, string> = {};
  const size = 1 + Math.floor(random() * 6);
  for (let k = 0; k < size; k++) {
    const name =
      pick([...nameStart]) +
      Array.from({ length: Math.floor(random() * 8) }, () => pick([...nameRest])).join('');
    const alphabet = flavour === 'wild' ? [...pieces, ...quotes, '\r', '\r\n'] : [...pieces, pick(quotes)];
    let value = Array.from({ length: Math.floor(random() * 12) }, () => pick(alphabet)).join('');
    if (flavour === 'tame' && value.endsWith('\\')) value += 'x';
    data[`${name}_${k}`] = value;
  }
  return data;
}

/** What every quoting rules out: an unescapable quote of its kind, a trailing backslash, and (for ' and `) a CR. */
function noQuoteCanHold(value: string): boolean {
  const double = /"|\\[nr]|\\$/.test(value);
  const single = /['\r]|\\$/.test(value);
  const backtick = /[`\r]|\\$/.test(value);
  return double && single && backtick;
}
