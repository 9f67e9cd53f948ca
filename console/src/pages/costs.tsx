/**
 * Costs: a month's report (`GET /v1/costs`) as bars per secret and per connection, the last six months'
 * totals as a line (six calls of the API, one a month), the cache savings, the same figures as tables,
 * and "Download CSV". Money is shown exactly as the API states it.
 */
import { useState } from 'preact/hooks';
import type { operations } from '../../../functions/http/openapi-types.ts';
import { type ApiError, api, ok } from '../api/client.ts';
import { BarChart } from '../ui/bar-chart.tsx';
import { filenameOf, saveText } from '../ui/download.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { LineChart } from '../ui/line-chart.tsx';
import { monthsEndingAt, thisMonth } from '../ui/months.ts';
import { PageHeading } from '../ui/page-heading.tsx';
import { ScrollTable } from '../ui/scroll-table.tsx';
import { asApiError, useLoad } from '../ui/use-load.ts';

type CostReport = operations['getCosts']['responses'][200]['content']['application/json'];

const trendMonths = 6;

async function report(month: string): Promise<CostReport> {
  return (await ok(api.GET('/v1/costs', { params: { query: { month } } }))).data;
}

const callCount = (calls: Record<string, number>) => Object.values(calls).reduce((sum, n) => sum + n, 0);
const secretLabel = (line: CostReport['secrets'][number]) => line.name ?? `${line.ref} (not managed)`;

export function Costs() {
  const [month, setMonth] = useState(thisMonth());
  const [error, setError] = useState<ApiError>();
  const loaded = useLoad(() => report(month), [month]);
  const trend = useLoad(() => Promise.all(monthsEndingAt(month, trendMonths).map(report)), [month]);
  const data = loaded.data;

  async function download() {
    setError(undefined);
    try {
      const { data: text, response } = await ok(
        api.GET('/v1/costs', { params: { query: { month, format: 'csv' } }, parseAs: 'text' }),
      );
      saveText(text as unknown as string, filenameOf(response, `secretm-costs-${month}.csv`));
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  return (
    <>
      <PageHeading>Costs</PageHeading>
      <div class="filters">
        <label>
          Month
          <input
            type="month"
            value={month}
            max={thisMonth()}
            required
            onChange={(event) => event.currentTarget.value && setMonth(event.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={download}>
          Download CSV
        </button>
      </div>
      <ErrorNote error={error} />
      <ErrorNote error={loaded.error} />
      {data && (
        <>
          <dl class="facts" aria-label="Summary">
            <dt>Total</dt>
            <dd data-figure="total">
              {data.currency} {data.total}
              {data.complete ? '' : ' so far (the month is still running)'}
            </dd>
            {data.projected !== undefined && (
              <>
                <dt>Projected</dt>
                <dd>
                  {data.currency} {data.projected} by the month’s end, at the current rate
                </dd>
              </>
            )}
            <dt>Saved by the cache</dt>
            <dd data-figure="saved">
              {data.currency} {data.savedCost}
            </dd>
          </dl>

          <section aria-labelledby="per-secret-heading">
            <h2 id="per-secret-heading">Per secret</h2>
            <BarChart
              title={`Cost per secret, ${data.month} (${data.currency})`}
              describedBy="per-secret-table"
              bars={data.secrets.map((line) => ({
                label: secretLabel(line),
                value: Number(line.total),
                text: line.total,
              }))}
            />
            <ScrollTable label="Cost per secret, table">
              <table id="per-secret-table" class="figures">
                <caption>Cost per secret</caption>
                <thead>
                  <tr>
                    <th scope="col">Secret</th>
                    <th scope="col">Vault</th>
                    <th scope="col">Secret-hours</th>
                    <th scope="col">Storage</th>
                    <th scope="col">Calls</th>
                    <th scope="col">Call cost</th>
                    <th scope="col">Cache hits</th>
                    <th scope="col">Saved</th>
                    <th scope="col">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {data.secrets.map((line) => (
                    <tr key={`${line.connection}/${line.ref}`}>
                      <th scope="row">{secretLabel(line)}</th>
                      <td>{line.connection}</td>
                      <td>{line.secretHours}</td>
                      <td>{line.storageCost}</td>
                      <td>{callCount(line.calls)}</td>
                      <td>{line.callCost}</td>
                      <td>{line.cacheHits}</td>
                      <td>{line.savedCost}</td>
                      <td>{line.total}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          </section>

          <section aria-labelledby="per-connection-heading">
            <h2 id="per-connection-heading">Per vault connection</h2>
            <BarChart
              title={`Cost per vault connection, ${data.month} (${data.currency})`}
              describedBy="per-connection-table"
              bars={data.connections.map((line) => ({
                label: line.connection,
                value: Number(line.total),
                text: line.total,
              }))}
            />
            <ScrollTable label="Cost per vault connection, table">
              <table id="per-connection-table" class="figures">
                <caption>Cost per vault connection</caption>
                <thead>
                  <tr>
                    <th scope="col">Connection</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Secrets</th>
                    <th scope="col">Storage</th>
                    <th scope="col">Calls</th>
                    <th scope="col">Call cost</th>
                    <th scope="col">Cache hits</th>
                    <th scope="col">Saved</th>
                    <th scope="col">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {data.connections.map((line) => (
                    <tr key={line.connection}>
                      <th scope="row">{line.connection}</th>
                      <td>{line.kind ?? '—'}</td>
                      <td>{line.secrets}</td>
                      <td>{line.storageCost}</td>
                      <td>{callCount(line.calls) + callCount(line.connectionCalls)}</td>
                      <td>{line.callCost}</td>
                      <td>{line.cacheHits}</td>
                      <td>{line.savedCost}</td>
                      <td>{line.total}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          </section>
        </>
      )}

      <section aria-labelledby="trend-heading">
        <h2 id="trend-heading">Last {trendMonths} months</h2>
        <p class="hint-text">
          {trendMonths} requests of <code>GET /v1/costs</code>, one a month, ending at {month}.
        </p>
        {/* The month's own refusal is shown above; the same one is not repeated here. */}
        {!loaded.error && <ErrorNote error={trend.error} />}
        {trend.data && (
          <>
            <LineChart
              title={`Total cost per month, last ${trendMonths} months (${trend.data[0]?.currency ?? 'USD'})`}
              describedBy="trend-table"
              points={trend.data.map((month) => ({
                label: month.month,
                value: Number(month.total),
                text: month.total,
              }))}
            />
            <ScrollTable label="Total cost per month, table">
              <table id="trend-table" class="figures">
                <caption>Total cost per month</caption>
                <thead>
                  <tr>
                    <th scope="col">Month</th>
                    <th scope="col">Total</th>
                    <th scope="col">Saved by the cache</th>
                  </tr>
                </thead>
                <tbody>
                  {trend.data.map((month) => (
                    <tr key={month.month}>
                      <th scope="row">{month.month}</th>
                      <td>
                        {month.total}
                        {month.complete ? '' : ' (so far)'}
                      </td>
                      <td>{month.savedCost}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          </>
        )}
      </section>
    </>
  );
}
