/**
 * `secretm audit verify`: recompute the audit's HMACs, hourly digests and digest chain over a range
 * (`GET /v1/audit/verify`, following its cursor to the end of the range), and say whether it is intact.
 * Exit code 1 when a problem was found, so a scheduled job fails on it.
 */
import type { Answer } from '../../api/client.ts';
import type { Context } from '../../context.ts';
import { setExitCode } from '../../lib/outcome.ts';

type Verification = Answer<'verifyAudit'>;

interface Options {
  from?: string;
  to?: string;
}

export async function run(ctx: Context, _args: [], options: Options): Promise<void> {
  const api = await ctx.api();
  const parts: Verification[] = [];
  let cursor: string | undefined;
  do {
    const { body } = await api.call('verifyAudit', {
      query: {
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(cursor ? { cursor } : {}),
      },
    });
    parts.push(body);
    cursor = body.complete ? undefined : body.cursor;
  } while (cursor);
  const result = combine(parts);
  if (!result.intact) setExitCode(1);
  if (ctx.out.json) return ctx.out.data(result);
  const { checked } = result;
  ctx.out.pairs([
    ['tenant', result.tenant],
    ['range', `${result.from} – ${result.to}`],
    ['intact', result.intact ? 'yes' : 'no'],
    ['problems', String(result.problems)],
    ...(result.firstProblem
      ? ([
          [
            'first problem',
            `${result.firstProblem.kind} at ${result.firstProblem.at}${result.firstProblem.action ? ` (${result.firstProblem.action})` : ''}: ${result.firstProblem.message}`,
          ],
        ] as [string, string][])
      : []),
    [
      'checked',
      `${checked.events} events, ${checked.digests} digests, ${checked.hmacOnly} by HMAC only, ${checked.unsealed} unsealed, ${checked.expired} expired`,
    ],
    ['sealed since', result.sealedSince ?? '-'],
    ['digested through', result.digestedThrough ?? '-'],
    ...result.notes.map((note): [string, string] => ['note', note]),
  ]);
}

/** The answers over a long range as one: counts added, the first problem by time, the notes of all. */
function combine(parts: Verification[]): Verification {
  const first = parts[0]!;
  const { cursor: _pastTheEnd, ...last } = parts.at(-1)!;
  const firstProblem = parts.find((part) => part.firstProblem)?.firstProblem;
  const sum = (key: keyof Verification['checked']) =>
    parts.reduce((total, part) => total + part.checked[key], 0);
  return {
    ...last,
    from: first.from,
    intact: parts.every((part) => part.intact),
    complete: true,
    checked: {
      events: sum('events'),
      digests: sum('digests'),
      hmacOnly: sum('hmacOnly'),
      unsealed: sum('unsealed'),
      expired: sum('expired'),
    },
    problems: parts.reduce((total, part) => total + part.problems, 0),
    ...(firstProblem ? { firstProblem } : {}),
    notes: [...new Set(parts.flatMap((part) => part.notes))],
  };
}
