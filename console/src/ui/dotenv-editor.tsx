/**
 * A pasted `.env` file beside what it parses to. The parser is the API's own (shared/secrets/dotenv.ts),
 * so what is shown here is what the API will store; a bad line is marked at its line number. The parser
 * is loaded when an editor first shows, so the first page does not wait for it.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ParsedDotenv } from './dotenv-parse.ts';

type Parser = typeof import('./dotenv-parse.ts');
let loaded: Parser | undefined;
let loading: Promise<Parser> | undefined;

export function loadDotenvParser(): Promise<Parser> {
  loading ??= import('./dotenv-parse.ts').then((module) => {
    loaded = module;
    return module;
  });
  return loading;
}

function useParser(): Parser | undefined {
  const [parser, setParser] = useState(loaded);
  useEffect(() => {
    if (!parser) void loadDotenvParser().then(setParser);
  }, [parser]);
  return parser;
}

export function DotenvEditor({ value, onInput }: { value: string; onInput: (text: string) => void }) {
  const parser = useParser();
  const parsed: ParsedDotenv = useMemo(() => parser?.parse(value) ?? { problems: [] }, [parser, value]);
  const lineCount = Math.max(1, value.split('\n').length);
  const bad = new Map(parsed.problems.map((problem) => [problem.line, problem.message]));
  return (
    <div class="dotenv">
      <div class="dotenv-input">
        <label for="dotenv">.env</label>
        <div class="gutter-wrap">
          <ol class="gutter" aria-hidden="true">
            {Array.from({ length: lineCount }, (_, index) => (
              <li key={index} class={bad.has(index + 1) ? 'bad' : undefined}>
                {index + 1}
              </li>
            ))}
          </ol>
          <textarea
            id="dotenv"
            rows={Math.min(20, Math.max(6, lineCount + 1))}
            wrap="off"
            spellcheck={false}
            autoComplete="off"
            aria-invalid={parsed.problems.length > 0}
            aria-describedby={parsed.problems.length > 0 ? 'dotenv-problems' : undefined}
            placeholder={'DB_HOST=db.internal\nDB_PASSWORD="s3cr3t"'}
            value={value}
            onInput={(event) => onInput(event.currentTarget.value)}
          />
        </div>
        {parsed.problems.length > 0 && (
          <div id="dotenv-problems" class="problems" role="alert">
            <ul>
              {parsed.problems.map((problem) => (
                <li key={`${problem.line}-${problem.message}`}>
                  {problem.line > 0 ? `Line ${problem.line}: ` : ''}
                  {problem.message}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <div class="dotenv-parsed">
        <table>
          <caption>Parsed variables</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(parsed.values ?? {}).map(([key, text]) => (
              <tr key={key}>
                <th scope="row">
                  <code>{key}</code>
                </th>
                <td>
                  <code>{text}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!parsed.values && parsed.problems.length === 0 && <p>Paste a .env file to see its variables.</p>}
      </div>
    </div>
  );
}
