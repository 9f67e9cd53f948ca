/**
 * Set or change a secret's rotation: a schedule (EventBridge rate or cron, UTC) and a strategy with the
 * options docs/rotation.md lists — random (keys, password policy), database (mode, master secret, TLS,
 * password policy), vault-dynamic (when to renew). An untouched password policy is left to the API's
 * defaults for the strategy.
 */
import { useState } from 'preact/hooks';
import type { operations } from '../../../functions/http/openapi-types.ts';
import { ApiError, api, ok, type SecretMetadata } from '../api/client.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { asApiError } from '../ui/use-load.ts';

type Body = operations['configureRotation']['requestBody']['content']['application/json'];
type Strategy = 'random' | 'database' | 'vault-dynamic';
type Mode = 'single-user' | 'alternating-users';
type Tls = 'verify-full' | 'require' | 'disable';

interface Policy {
  length: number;
  lowercase: boolean;
  uppercase: boolean;
  digits: boolean;
  symbols: boolean;
  exclude: string;
  requireEachClass: boolean;
}

/** The API's defaults (shared/rotation/password-policy.ts and rotation-schemas.ts). */
const defaultPolicy: Policy = {
  length: 32,
  lowercase: true,
  uppercase: true,
  digits: true,
  symbols: true,
  exclude: '',
  requireEachClass: true,
};
const policyDefaults: Record<Strategy, Policy> = {
  random: defaultPolicy,
  database: { ...defaultPolicy, exclude: ' /@"\'\\' },
  'vault-dynamic': defaultPolicy,
};

const classes = [
  ['lowercase', 'Lowercase letters'],
  ['uppercase', 'Uppercase letters'],
  ['digits', 'Digits'],
  ['symbols', 'Symbols'],
  ['requireEachClass', 'At least one of each'],
] as const;

function stored<T>(options: Record<string, unknown>, key: string, fallback: T): T {
  return (options[key] as T | undefined) ?? fallback;
}

export function RotationForm({
  secret,
  onSaved,
  onCancel,
}: {
  secret: SecretMetadata;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const current = secret.rotation;
  const options = current?.options ?? {};
  const [schedule, setSchedule] = useState(current?.schedule ?? 'rate(30 days)');
  const [strategy, setStrategy] = useState<Strategy>(current?.strategy ?? 'random');
  const [keys, setKeys] = useState(stored<string[]>(options, 'keys', []).join(', '));
  const [mode, setMode] = useState<Mode>(stored(options, 'mode', 'single-user'));
  const [masterSecret, setMasterSecret] = useState(stored(options, 'masterSecret', ''));
  const [tls, setTls] = useState<Tls>(stored(options, 'tls', 'verify-full'));
  const [renewAt, setRenewAt] = useState(String(stored(options, 'renewAtFraction', 2 / 3).toFixed(2)));
  const storedPolicy = options.policy as Policy | undefined;
  const [policy, setPolicy] = useState<Policy>(storedPolicy ?? policyDefaults[strategy]);
  // A policy the user never touched is left to the API, whose defaults depend on the strategy.
  const [policyTouched, setPolicyTouched] = useState(storedPolicy !== undefined);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const changePolicy = (change: Partial<Policy>) => {
    setPolicy({ ...policy, ...change });
    setPolicyTouched(true);
  };

  function chooseStrategy(next: Strategy) {
    setStrategy(next);
    if (!policyTouched) setPolicy(policyDefaults[next]);
  }

  function body(): Body {
    const withPolicy = policyTouched ? { policy } : {};
    if (strategy === 'random') {
      const names = keys
        .split(/[,\s]+/)
        .map((key) => key.trim())
        .filter(Boolean);
      if (names.length === 0) {
        throw new ApiError('Name at least one key to give new random values', 0, 'console', undefined);
      }
      return { schedule, strategy, options: { keys: names, ...withPolicy } };
    }
    if (strategy === 'database') {
      const master = masterSecret.trim();
      return {
        schedule,
        strategy,
        options: { mode, tls, ...(master ? { masterSecret: master } : {}), ...withPolicy },
      };
    }
    const fraction = Number(renewAt);
    if (!Number.isFinite(fraction)) {
      throw new ApiError('Renew at must be a number between 0.1 and 0.9', 0, 'console', undefined);
    }
    return { schedule, strategy, options: { renewAtFraction: fraction } };
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await ok(
        api.PUT('/v1/secrets/{name}/rotation', { params: { path: { name: secret.name } }, body: body() }),
      );
      onSaved();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="stacked rotation-form" onSubmit={submit} aria-label={`Rotation of ${secret.name}`}>
      <label>
        Schedule
        <input required value={schedule} onInput={(event) => setSchedule(event.currentTarget.value)} />
      </label>
      <p class="hint">
        In UTC: <code>rate(30 days)</code>, <code>rate(12 hours)</code>, or <code>cron(0 4 1 * ? *)</code>{' '}
        (04:00 on the 1st of each month).
      </p>
      <label>
        Strategy
        <select value={strategy} onChange={(event) => chooseStrategy(event.currentTarget.value as Strategy)}>
          <option value="random">Random values (random)</option>
          <option value="database">Database credentials (database)</option>
          <option value="vault-dynamic">Vault dynamic credentials (vault-dynamic)</option>
        </select>
      </label>
      {strategy === 'random' && (
        <label>
          Keys to rotate
          <input
            value={keys}
            placeholder={secret.keys.join(', ')}
            onInput={(event) => setKeys(event.currentTarget.value)}
          />
        </label>
      )}
      {strategy === 'database' && (
        <>
          <p class="hint">
            The secret holds <code>engine</code>, <code>host</code>, <code>port</code>, <code>username</code>,{' '}
            <code>password</code> and <code>dbname</code> (PostgreSQL).
          </p>
          <label>
            Mode
            <select value={mode} onChange={(event) => setMode(event.currentTarget.value as Mode)}>
              <option value="single-user">Single user</option>
              <option value="alternating-users">Alternating users</option>
            </select>
          </label>
          <label>
            Master secret
            <input
              value={masterSecret}
              required={mode === 'alternating-users'}
              onInput={(event) => setMasterSecret(event.currentTarget.value)}
            />
          </label>
          <label>
            TLS
            <select value={tls} onChange={(event) => setTls(event.currentTarget.value as Tls)}>
              <option value="verify-full">Verify the certificate and name (verify-full)</option>
              <option value="require">Encrypt without checking (require)</option>
              <option value="disable">No TLS (disable)</option>
            </select>
          </label>
        </>
      )}
      {strategy === 'vault-dynamic' && (
        <label>
          Renew at (share of the lease)
          <input
            type="number"
            min="0.1"
            max="0.9"
            step="0.01"
            value={renewAt}
            onInput={(event) => setRenewAt(event.currentTarget.value)}
          />
        </label>
      )}
      {strategy !== 'vault-dynamic' && (
        <fieldset>
          <legend>Password policy</legend>
          <label>
            Length
            <input
              type="number"
              min="8"
              max="4096"
              value={policy.length}
              onInput={(event) => changePolicy({ length: Number(event.currentTarget.value) })}
            />
          </label>
          <div class="policy">
            {classes.map(([key, label]) => (
              <label class="choice" key={key}>
                <input
                  type="checkbox"
                  checked={policy[key]}
                  onChange={(event) => changePolicy({ [key]: event.currentTarget.checked })}
                />
                {label}
              </label>
            ))}
          </div>
          <label>
            Characters never used
            <input
              value={policy.exclude}
              onInput={(event) => changePolicy({ exclude: event.currentTarget.value })}
            />
          </label>
        </fieldset>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Save rotation
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
