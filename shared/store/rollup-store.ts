/**
 * Monthly cost roll-ups (keys.ts: `T#<tenant>#R#<month>`): a finished month's report, computed once by
 * the scheduled roll-up, so reading it later is one query of a few items however many secrets the
 * tenant has. The header (`H`) holds the totals and names the generation of the parts
 * (`P#<generation>#<part>`, at most ~300 KB of secret lines each); it is written after its parts, and
 * the parts of an older generation are removed after it, so a reader always sees one whole roll-up.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CostReport, SecretCost } from '../costs/cost-report.ts';
import { ProviderUnavailableError } from '../errors.ts';
import { type WriteRequest, writeInBatches } from './batch-write.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { pkName, rollupPk, skName } from './keys.ts';
import { queryAll } from './query-pages.ts';

export interface RollupStore {
  /** The roll-up, or with `headerOnly` just whether there is one (its totals, no secret lines). */
  get(
    tenant: string,
    month: string,
    options?: { headerOnly?: boolean },
  ): Promise<(CostReport & { rolledUpAt: string }) | undefined>;
  put(tenant: string, report: CostReport, rolledUpAt: string): Promise<void>;
}

const headerSk = 'H';
const partBytes = 300_000;

export function createRollupStore(deps: StoreDeps): RollupStore {
  const { client, tableName } = deps;

  const queryParts = (tenant: string, month: string, prefix: string) =>
    queryAll(deps, { pk: rollupPk(tenant, month), skPrefix: prefix, consistentRead: true });

  const batchWrite = (requests: WriteRequest[]) =>
    writeInBatches(
      deps,
      requests,
      () => new ProviderUnavailableError('the cost roll-up could not be written; run it again'),
    );

  return {
    async get(tenant, month, options = {}) {
      try {
        const { Item } = await client.send(
          new GetCommand({
            TableName: tableName,
            Key: { [pkName]: rollupPk(tenant, month), [skName]: headerSk },
            ConsistentRead: true,
          }),
        );
        if (!Item) return undefined;
        const summary = JSON.parse(String(Item.report)) as Omit<CostReport, 'secrets'>;
        if (options.headerOnly) return { ...summary, secrets: [], rolledUpAt: String(Item.rolledUpAt) };
        const generation = String(Item.generation);
        const parts = await queryParts(tenant, month, `P#${generation}#`);
        const secrets = parts.flatMap((part) => JSON.parse(String(part.secrets)) as SecretCost[]);
        return {
          ...(JSON.parse(String(Item.report)) as CostReport),
          secrets,
          rolledUpAt: String(Item.rolledUpAt),
        };
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async put(tenant, report, rolledUpAt) {
      const pk = rollupPk(tenant, month(report));
      const generation = `${rolledUpAt}-${randomBytes(4).toString('hex')}`;
      const { secrets, ...summary } = report;
      const parts: string[] = [];
      let current: string[] = [];
      let size = 0;
      for (const line of secrets) {
        const text = JSON.stringify(line);
        if (size + text.length > partBytes && current.length > 0) {
          parts.push(`[${current.join(',')}]`);
          current = [];
          size = 0;
        }
        current.push(text);
        size += text.length + 1;
      }
      if (current.length > 0 || parts.length === 0) parts.push(`[${current.join(',')}]`);
      try {
        const older = await queryParts(tenant, month(report), 'P#');
        await batchWrite(
          parts.map((text, i) => ({
            PutRequest: {
              Item: {
                [pkName]: pk,
                [skName]: `P#${generation}#${String(i).padStart(4, '0')}`,
                secrets: text,
              },
            },
          })),
        );
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [pkName]: pk,
              [skName]: headerSk,
              generation,
              parts: parts.length,
              rolledUpAt,
              report: JSON.stringify(summary),
            },
          }),
        );
        await batchWrite(
          older.map((item) => ({ DeleteRequest: { Key: { [pkName]: pk, [skName]: item[skName] } } })),
        );
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}

function month(report: CostReport): string {
  return report.month;
}
