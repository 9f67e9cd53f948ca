/**
 * The line a failed scheduled rotation leaves for the rotation-failure alarm: one per failure, with the
 * tenant, the secret and the error code, never a message or a value.
 */
import { describe, expect, it } from 'vitest';
import {
  logRotationFailure,
  rotationFailedMarker,
  rotationFailureLine,
} from '../../../functions/rotation/failure-log.ts';

describe('the rotation failure line', () => {
  it('is one JSON line carrying the marker the metric filter matches, the tenant, the secret and the code', () => {
    const lines: string[] = [];

    logRotationFailure({ tenant: 'acme', name: 'prod-db', code: 'provider_unavailable' }, 'req-1', (line) =>
      lines.push(line),
    );

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'warn',
      event: rotationFailedMarker,
      requestId: 'req-1',
      tenant: 'acme',
      name: 'prod-db',
      code: 'provider_unavailable',
    });
  });

  it('keeps the marker intact inside a JSON string, as Lambda’s JSON log format writes it', () => {
    const line = rotationFailureLine({ tenant: 'acme', name: 'a"b', code: 'x' }, 'req-2');

    expect(/^[a-z.]+$/.test(rotationFailedMarker)).toBe(true);
    expect(JSON.stringify({ message: line })).toContain(rotationFailedMarker);
  });
});
