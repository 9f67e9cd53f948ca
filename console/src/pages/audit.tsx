/**
 * Audit: the tenant's events newest first (`GET /v1/audit`), filtered by time, actor, action, secret,
 * outcome and request id, a page at a time by cursor; "Verify" recomputes the HMACs and the digest
 * chain over the same range (`GET /v1/audit/verify`); "Download CSV" saves every filtered event.
 */
import { useState } from 'preact/hooks';
import type { operations } from '../../../functions/http/openapi-types.ts';
import { type ApiError, api, ok } from '../api/client.ts';
import { filenameOf, saveText } from '../ui/download.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { ScrollTable } from '../ui/scroll-table.tsx';
import { asApiError, useLoad } from '../ui/use-load.ts';

type Verification = operations['verifyAudit']['responses'][200]['content']['application/json'];

interface Filters {
  from: string;
  to: string;
  actor: string;
  action: string;
  secret: string;
  outcome: '' | 'success' | 'failure';
  requestId: string;
}

const noFilters: Filters = {
  from: '',
  to: '',
  actor: '',
  action: '',
  secret: '',
  outcome: '',
  requestId: '',
};
const pageSize = 50;
/** CSV pages of the API's largest size; an export stops after this many and says so. */
const exportPageSize = 1000;
const exportPageLimit = 50;

/** A `datetime-local` value (the browser's own zone) as the ISO time the API takes. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

function rangeOf(filters: Filters) {
  const from = isoOf(filters.from);
  const to = isoOf(filters.to);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function queryOf(filters: Filters) {
  return {
    ...rangeOf(filters),
    ...(filters.actor ? { actor: filters.actor } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.secret ? { secret: filters.secret } : {}),
    ...(filters.outcome ? { outcome: filters.outcome } : {}),
    ...(filters.requestId ? { requestId: filters.requestId } : {}),
  };
}

export function Audit() {
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [filters, setFilters] = useState<Filters>(noFilters);
  const pages = useCursorPages();
  const { cursor } = pages;
  const page = useLoad(
    async () =>
      (
        await ok(
          api.GET('/v1/audit', {
            params: { query: { ...queryOf(filters), limit: pageSize, ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [filters, cursor],
  );
  const [verification, setVerification] = useState<Verification>();
  const [verifyError, setVerifyError] = useState<ApiError>();
  const [exportError, setExportError] = useState<ApiError>();
  const [exportNote, setExportNote] = useState<string>();
  const [busy, setBusy] = useState<'verify' | 'export'>();

  const field = (name: keyof Filters) => ({
    value: draft[name],
    onInput: (event: { currentTarget: { value: string } }) =>
      setDraft({ ...draft, [name]: event.currentTarget.value }),
  });

  function apply(event: Event) {
    event.preventDefault();
    setFilters(draft);
    pages.restart();
    setVerification(undefined);
  }

  async function verify(from?: string) {
    setBusy('verify');
    setVerifyError(undefined);
    try {
      const query = { ...rangeOf(filters), ...(from ? { cursor: from } : {}) };
      setVerification((await ok(api.GET('/v1/audit/verify', { params: { query } }))).data);
    } catch (caught) {
      setVerifyError(asApiError(caught));
    } finally {
      setBusy(undefined);
    }
  }

  async function download() {
    setBusy('export');
    setExportError(undefined);
    setExportNote(undefined);
    try {
      let text = '';
      let filename = 'secretm-audit.csv';
      let next: string | undefined;
      let pages = 0;
      do {
        const query = { ...queryOf(filters), format: 'csv' as const, limit: exportPageSize };
        const { data, response } = await ok(
          api.GET('/v1/audit', {
            params: { query: next ? { ...query, cursor: next } : query },
            parseAs: 'text',
          }),
        );
        const csv = data as unknown as string;
        // Each page starts with the header; keep the first one only.
        text += pages === 0 ? csv : csv.slice(csv.indexOf('\n') + 1);
        filename = filenameOf(response, filename);
        next = response.headers.get('x-next-cursor') ?? undefined;
        pages += 1;
      } while (next && pages < exportPageLimit);
      saveText(text, filename);
      if (next) {
        setExportNote(
          `Saved the newest ${exportPageLimit * exportPageSize} events only; narrow the time range for the rest.`,
        );
      }
    } catch (caught) {
      setExportError(asApiError(caught));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <>
      <PageHeading>Audit</PageHeading>
      <form class="filters" onSubmit={apply} aria-label="Filter audit events">
        <label>
          From
          <input type="datetime-local" step={1} {...field('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" step={1} {...field('to')} />
        </label>
        <label>
          Actor
          <input placeholder="apikey:…" {...field('actor')} />
        </label>
        <label>
          Action
          <input placeholder="secret.reveal" {...field('action')} />
        </label>
        <label>
          Secret
          <input placeholder="payments/db" {...field('secret')} />
        </label>
        <label>
          Outcome
          <select
            value={draft.outcome}
            onChange={(event) =>
              setDraft({ ...draft, outcome: event.currentTarget.value as Filters['outcome'] })
            }
          >
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
          </select>
        </label>
        <label>
          Request ID
          <input {...field('requestId')} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <p class="hint-text">Times are in this browser’s time zone; the API stores them in UTC.</p>

      <div class="toolbar">
        <button type="button" onClick={() => verify()} disabled={busy === 'verify'}>
          Verify
        </button>
        <button type="button" onClick={download} disabled={busy === 'export'}>
          Download CSV
        </button>
      </div>
      <ErrorNote error={verifyError} />
      <ErrorNote error={exportError} />
      {exportNote && <p role="status">{exportNote}</p>}
      {verification && <VerificationResult result={verification} onContinue={(next) => verify(next)} />}

      <ErrorNote error={page.error} />
      {page.data && page.data.items.length === 0 && <p>No events match.</p>}
      {page.data && page.data.items.length > 0 && (
        <ScrollTable label="Audit events, table">
          <table class="figures">
            <caption class="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
                <th scope="col">Request ID</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((event) => (
                <tr key={event.id}>
                  <th scope="row">
                    <time dateTime={event.at}>{new Date(event.at).toLocaleString()}</time>
                  </th>
                  <td>{event.actor}</td>
                  <td>{event.action}</td>
                  <td>{event.target}</td>
                  <td>
                    {event.outcome}
                    {event.reason ? ` (${event.reason})` : ''}
                  </td>
                  <td>
                    <code>{event.requestId}</code>
                  </td>
                  <td>{event.sourceIp}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      <Pager pages={pages} next={page.data?.cursor} hideUnavailable />
    </>
  );
}

function VerificationResult({
  result,
  onContinue,
}: {
  result: Verification;
  onContinue: (cursor: string) => void;
}) {
  const problem = result.firstProblem;
  return (
    <section class={result.intact ? 'verified' : 'stale'} aria-labelledby="verify-heading" role="status">
      <h2 id="verify-heading">{result.intact ? 'Audit intact' : 'Audit altered'}</h2>
      <p>
        {result.checked.events} events and {result.checked.digests} digests checked from{' '}
        {new Date(result.from).toLocaleString()} to {new Date(result.to).toLocaleString()}
        {result.intact ? ': nothing altered, removed or inserted.' : `: ${result.problems} problems.`}
      </p>
      {problem && (
        <p>
          First problem: <strong>{problem.kind}</strong> at {new Date(problem.at).toLocaleString()}
          {problem.action ? ` (${problem.action})` : ''}
          {problem.requestId ? (
            <>
              {' '}
              request <code>{problem.requestId}</code>
            </>
          ) : null}
          . {problem.message}
        </p>
      )}
      {result.notes.length > 0 && (
        <ul>
          {result.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {!result.complete && result.cursor && (
        <button type="button" onClick={() => onContinue(result.cursor!)}>
          Verify the rest
        </button>
      )}
    </section>
  );
}
