/**
 * The Rotation section of a secret's page: schedule, strategy, last and next rotation and the last
 * failure, as the secret's metadata shows them; "Rotate now" (an activity, so it may be left while it
 * runs), a form to set or change the rotation, and "Turn off rotation".
 */
import { useState } from 'preact/hooks';
import type { operations } from '../../../functions/http/openapi-types.ts';
import { activity } from '../activity.ts';
import { type ApiError, api, ok, type SecretMetadata } from '../api/client.ts';
import { secretPath } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { asApiError } from '../ui/use-load.ts';
import { useMounted } from '../ui/use-mounted.ts';
import { RotationForm } from './rotation-form.tsx';

type Rotation = NonNullable<SecretMetadata['rotation']>;
type Outcome = operations['rotateSecret']['responses'][200]['content']['application/json'];

export const strategyNames: Record<string, string> = {
  random: 'Random values',
  database: 'Database credentials',
  'vault-dynamic': 'Vault dynamic credentials',
};

function When({ at, otherwise }: { at: string | undefined; otherwise: string }) {
  return at ? <time dateTime={at}>{new Date(at).toLocaleString()}</time> : otherwise;
}

export function describeOutcome(outcome: Outcome): string {
  const next = outcome.nextRotationAt
    ? ` Next rotation: ${new Date(outcome.nextRotationAt).toLocaleString()}.`
    : '';
  if (outcome.outcome === 'renewed') return `Lease renewed; version ${outcome.version} stays current.${next}`;
  if (outcome.outcome === 'skipped') {
    return `Nothing to do${outcome.reason ? `: ${outcome.reason}` : ''}; version ${outcome.version} stays current.`;
  }
  return `Version ${outcome.version} is current.${next}`;
}

/** What the key may do to this secret's rotation (GET /v1/me?secret=): what it may not is not offered. */
export interface RotationAccess {
  /** Set, change or turn off the rotation (write). */
  mayWrite: boolean;
  /** "Rotate now" (rotate). */
  mayRotate: boolean;
}

export function RotationSection({
  secret,
  onChanged,
  mayWrite,
  mayRotate,
}: { secret: SecretMetadata; onChanged: () => void } & RotationAccess) {
  const rotation: Rotation | undefined = secret.rotation;
  const enabled = rotation?.enabled === true;
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [outcome, setOutcome] = useState<string>();
  const mounted = useMounted();
  const name = secret.name;

  async function rotateNow() {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      const answer = await activity.single({
        verb: `Rotating ${name}`,
        doneVerb: `Rotated ${name}`,
        item: name,
        run: async () =>
          (await ok(api.POST('/v1/secrets/{name}/rotate', { params: { path: { name } } }))).data,
        describe: (done) => ({
          summary: describeOutcome(done),
          result: { label: `Open ${name}`, href: `#${secretPath(name)}` },
        }),
      });
      if (mounted.current) setOutcome(describeOutcome(answer));
    } catch (caught) {
      if (mounted.current) setError(asApiError(caught));
    } finally {
      if (mounted.current) {
        setBusy(false);
        onChanged();
      }
    }
  }

  async function turnOff(discardPending: boolean) {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      await ok(
        api.DELETE('/v1/secrets/{name}/rotation', {
          params: { path: { name }, query: discardPending ? { discardPending: 'true' } : {} },
        }),
      );
      setEditing(false);
      onChanged();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="rotation-heading">
      <h2 id="rotation-heading">Rotation</h2>
      <dl class="facts">
        <dt>Status</dt>
        <dd>{enabled ? 'On' : 'Off'}</dd>
        {rotation?.schedule && (
          <>
            <dt>Schedule</dt>
            <dd>
              <code>{rotation.schedule}</code>
            </dd>
          </>
        )}
        {rotation?.strategy && (
          <>
            <dt>Strategy</dt>
            <dd>
              {strategyNames[rotation.strategy]} ({rotation.strategy}){optionSummary(rotation)}
            </dd>
          </>
        )}
        <dt>Last rotation</dt>
        <dd>
          <When at={rotation?.lastRotatedAt} otherwise="Never" />
        </dd>
        <dt>Next rotation</dt>
        <dd>
          <When at={enabled ? rotation?.nextRotationAt : undefined} otherwise="Not scheduled" />
        </dd>
        {rotation?.leaseExpiresAt && (
          <>
            <dt>Held lease ends</dt>
            <dd>
              <When at={rotation.leaseExpiresAt} otherwise="—" />
            </dd>
          </>
        )}
        {rotation?.lastError && (
          <>
            <dt>Last attempt failed</dt>
            <dd>
              {rotation.lastError.message}
              {rotation.lastError.step && ` (step ${rotation.lastError.step})`}, at{' '}
              <When at={rotation.lastAttemptAt} otherwise="—" />; {rotation.consecutiveFailures} failure
              {rotation.consecutiveFailures === 1 ? '' : 's'} in a row
            </dd>
          </>
        )}
        {rotation?.pending && (
          <>
            <dt>Pending</dt>
            <dd>
              A rotation stopped after step {rotation.pending.step} (started{' '}
              <When at={rotation.pending.startedAt} otherwise="—" />
              ). "Rotate now" finishes it.
            </dd>
          </>
        )}
      </dl>
      <div class="toolbar">
        {mayRotate && (enabled || rotation?.pending) && (
          <button type="button" class="primary" disabled={busy} onClick={rotateNow}>
            {busy ? 'Rotating…' : 'Rotate now'}
          </button>
        )}
        {mayWrite && (
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            {enabled ? 'Change rotation' : 'Set rotation'}
          </button>
        )}
        {mayWrite && enabled && (
          <button type="button" disabled={busy} onClick={() => turnOff(false)}>
            Turn off rotation
          </button>
        )}
        {mayWrite && rotation?.pending && (
          <button type="button" class="danger" disabled={busy} onClick={() => turnOff(true)}>
            Discard pending rotation
          </button>
        )}
      </div>
      {outcome && <p class="outcome">{outcome}</p>}
      <ErrorNote error={error} />
      {mayWrite && editing && (
        <RotationForm
          secret={secret}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
          onCancel={() => setEditing(false)}
        />
      )}
    </section>
  );
}

function optionSummary(rotation: Rotation): string {
  const options = rotation.options ?? {};
  if (rotation.strategy === 'random' && Array.isArray(options.keys))
    return `: keys ${options.keys.join(', ')}`;
  if (rotation.strategy === 'database' && typeof options.mode === 'string') {
    return `: ${options.mode}${typeof options.masterSecret === 'string' ? `, master secret ${options.masterSecret}` : ''}`;
  }
  if (rotation.strategy === 'vault-dynamic' && typeof options.renewAtFraction === 'number') {
    return `: renew at ${Math.round(options.renewAtFraction * 100)}% of the lease`;
  }
  return '';
}
