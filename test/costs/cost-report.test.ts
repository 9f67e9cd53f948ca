/**
 * Cost reports from scripted lives and counters, checked against the public price formula:
 * $0.40 × secret-hours ÷ hours in the month per secret (a replica counts as one), $0.05 per 10,000 calls.
 */
import { describe, expect, it } from 'vitest';
import { costReportCsv } from '../../shared/costs/cost-csv.ts';
import {
  buildCostReport,
  checkMonth,
  type LifeInput,
  type UsageInput,
} from '../../shared/costs/cost-report.ts';
import { defaultPrices, priceTable } from '../../shared/costs/prices.ts';
import type { VaultKind } from '../../shared/providers/provider.ts';

const at = (iso: string) => new Date(iso);
const kinds: Record<string, VaultKind> = { aws: 'aws-secrets-manager', bao: 'hashicorp-vault' };

function report(
  month: string,
  now: string,
  lives: LifeInput[],
  usage: UsageInput[] = [],
  prices = defaultPrices,
) {
  return buildCostReport({ month, now: at(now), lives, usage, kindOf: (id) => kinds[id], prices });
}

const life = (name: string, intervals: LifeInput['intervals'], connection = 'aws'): LifeInput => ({
  name,
  connection,
  vaultRef: `secretm/acme/${name}`,
  intervals,
});

describe('the cost report of a finished month', () => {
  const march = report(
    '2026-03',
    '2026-04-02T00:00:00Z',
    [
      // Created before March, deleted on the 11th, restored on the 16th: 240 + 384 = 624 hours.
      life('db', [
        { from: at('2026-01-20T00:00:00Z'), to: at('2026-03-11T00:00:00Z') },
        { from: at('2026-03-16T00:00:00Z') },
      ]),
      // Created mid-month with one replica: 2 × 384 hours.
      life('api', [{ from: at('2026-03-16T00:00:00Z'), replicas: 1 }]),
      // Gone before March: not in the report.
      life('old', [{ from: at('2026-01-01T00:00:00Z'), to: at('2026-02-01T00:00:00Z') }]),
    ],
    [
      { connection: 'aws', ref: 'secretm/acme/db', calls: { get: 1_234_000, put: 567 }, hits: 2_000_000 },
      { connection: 'aws', calls: { getBatch: 40 }, hits: 0 },
    ],
  );

  it('charges storage by secret-hours and calls per 10,000, to the cent', () => {
    const db = march.secrets.find((line) => line.name === 'db')!;
    expect(db).toEqual({
      name: 'db',
      connection: 'aws',
      ref: 'secretm/acme/db',
      secretHours: 624,
      storageCost: '0.34', // 0.40 × 624 / 744 = 0.3354…
      calls: { get: 1_234_000, put: 567 },
      callCost: '6.17', // 0.05 × 1,234,567 / 10,000 = 6.1728…
      cacheHits: 2_000_000,
      savedCost: '10.00',
      total: '6.51', // 0.3354… + 6.1728… = 6.5082…
    });
  });

  it('charges a replica as a secret of its own', () => {
    const api = march.secrets.find((line) => line.name === 'api')!;
    expect(api.secretHours).toBe(768);
    expect(api.storageCost).toBe('0.41'); // 0.40 × 768 / 744 = 0.4129…
  });

  it('keeps a batch read as the connection’s own call, and totals exactly before rounding', () => {
    const aws = march.connections.find((line) => line.connection === 'aws')!;
    expect(aws.connectionCalls).toEqual({ getBatch: 40 });
    expect(aws.calls).toEqual({ get: 1_234_000, getBatch: 40, put: 567 });
    expect(aws.secrets).toBe(2);
    // 0.40 × 1392 / 744 + 0.05 × 1,234,607 / 10,000 = 0.74838… + 6.17303… = 6.9214…
    expect(aws.total).toBe('6.92');
    expect(march.total).toBe('6.92');
    expect(march.complete).toBe(true);
    expect(march.projected).toBeUndefined();
    expect(march.secrets.map((line) => line.name)).toEqual(['db', 'api']);
  });
});

describe('a secret deleted and restored within one hour', () => {
  it('is charged for that hour once, on its replica too', () => {
    // April has 720 hours. Created on the 1st at 05:00 with one replica, deleted on the 10th at 09:20 and
    // restored at 09:40: 221 hours started up to 10:00 (one of them 09:00–10:00, paid before the delete),
    // then 494 from 10:00 to the month's end; 715 on each of the two copies.
    const april = report('2026-04', '2026-05-02T00:00:00Z', [
      life('restored', [
        { from: at('2026-04-01T05:00:00Z'), to: at('2026-04-10T09:20:00Z'), replicas: 1 },
        { from: at('2026-04-10T09:40:00Z'), replicas: 1 },
      ]),
    ]);

    expect(april.secrets[0]).toMatchObject({ name: 'restored', secretHours: 1430 });
    expect(april.secrets[0]!.storageCost).toBe('0.79'); // 0.40 × 1430 / 720 = 0.7944…
    expect(april.total).toBe('0.79');
  });
});

describe('the current month', () => {
  it('projects secrets active now to the month’s end and calls at their rate so far', () => {
    // April has 720 hours; on the 11th at 00:00, 240 have passed.
    const april = report(
      '2026-04',
      '2026-04-11T00:00:00Z',
      [life('db', [{ from: at('2026-03-01T00:00:00Z') }])],
      [{ connection: 'aws', ref: 'secretm/acme/db', calls: { get: 30_000 }, hits: 0 }],
    );
    expect(april.complete).toBe(false);
    expect(april.secrets[0]!.secretHours).toBe(240);
    expect(april.total).toBe('0.28'); // 0.40 × 240 / 720 + 0.05 × 3 = 0.1333… + 0.15
    expect(april.projected).toBe('0.85'); // 0.40 + 0.05 × 90,000 / 10,000 = 0.40 + 0.45
  });

  it('refuses a month that has not started, and a malformed one', () => {
    expect(() => checkMonth('2026-05', at('2026-04-30T23:59:59Z'))).toThrow(/not started/);
    expect(() => checkMonth('2026-13', at('2026-04-30T00:00:00Z'))).toThrow(/YYYY-MM/);
    expect(checkMonth('2026-04', at('2026-04-01T00:00:00Z'))).toBe('2026-04');
  });
});

describe('prices and unknown vaults', () => {
  it('prices a self-hosted Vault at zero unless the deployment sets a price', () => {
    const lives = [life('bao-secret', [{ from: at('2026-03-01T00:00:00Z') }], 'bao')];
    const usage = [{ connection: 'bao', ref: 'secretm/acme/bao-secret', calls: { get: 10_000 }, hits: 0 }];
    expect(report('2026-03', '2026-04-01T00:00:00Z', lives, usage).total).toBe('0.00');

    const priced = priceTable('{"hashicorp-vault": {"secretMonth": "0.10", "callBlock": "0.01"}}');
    expect(report('2026-03', '2026-04-01T00:00:00Z', lives, usage, priced).total).toBe('0.11');
  });

  it('reports a reference secretm does not manage, and an unknown connection at zero', () => {
    const march = report(
      '2026-03',
      '2026-04-01T00:00:00Z',
      [],
      [
        {
          connection: 'aws',
          ref: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy-AbCdEf',
          calls: { get: 20_000 },
          hits: 5,
        },
        { connection: 'gone', ref: 'x', calls: { get: 10 }, hits: 0 },
      ],
    );
    expect(march.secrets[0]).toMatchObject({ name: null, callCost: '0.10', total: '0.10' });
    expect(march.connections.find((line) => line.connection === 'gone')).toMatchObject({
      kind: null,
      total: '0.00',
    });
  });

  it('refuses a malformed price table naming the field', () => {
    expect(() => priceTable('{"aws-secrets-manager": {"secretMonth": "0,40"}}')).toThrow(/secretMonth/);
    expect(() => priceTable('{"oracle": {}}')).toThrow(/SECRETM_PRICES/);
    expect(() => priceTable('not json')).toThrow(/JSON/);
  });
});

describe('the CSV form', () => {
  it('has one row per secret and one per connection’s own calls, with formula-looking cells defused', () => {
    const march = report(
      '2026-03',
      '2026-04-01T00:00:00Z',
      [life('db', [{ from: at('2026-03-01T00:00:00Z') }])],
      [
        { connection: 'aws', ref: 'secretm/acme/db', calls: { get: 2, put: 1 }, hits: 7 },
        { connection: 'aws', ref: '=HYPERLINK("x"),1', calls: { get: 1 }, hits: 0 },
        { connection: 'aws', calls: { getBatch: 3 }, hits: 0 },
      ],
    );
    const rows = costReportCsv(march).trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'month,connection,name,ref,secretHours,storageCost,calls,callsByOperation,callCost,cacheHits,savedCost,total',
    );
    expect(rows).toContain('2026-03,aws,db,secretm/acme/db,744,0.40,3,get=2 put=1,0.00,7,0.00,0.40');
    expect(rows).toContain(`2026-03,aws,,"'=HYPERLINK(""x""),1",0,0.00,1,get=1,0.00,0,0.00,0.00`);
    expect(rows).toContain('2026-03,aws,,,0,0.00,3,getBatch=3,0.00,0,0.00,0.00');
    expect(rows).toHaveLength(4);
  });
});

describe('price configuration messages', () => {
  it('asks for a price written as a string when given a number', () => {
    expect(() => priceTable('{"aws-secrets-manager": {"callBlock": 0.05}}')).toThrow(
      /callBlock .*written as a string, such as "0.40"/,
    );
  });
});
