/**
 * What AWS Secrets Manager's reads answer, as secretm payloads: the decoding rules of the
 * `aws-secrets-manager` adapter (aws-secrets-manager.ts), in a module of their own so that the secretm
 * layer's signed reader (layers/secretm/src/sources/aws-signed.ts) applies the same rules without loading
 * the AWS SDK. No SDK import here.
 *
 * - A SecretBinary is binary; a SecretString holding a flat JSON object of string values is a map;
 *   anything else is text. A `kind` hint (what secretm wrote) decides instead when given.
 * - A batch read's entries are matched to the refs asked for by name, full ARN, or ARN without AWS's
 *   six-character suffix.
 */
import { NotFoundError, type SecretmError, UnprocessableError, ValidationError } from '../errors.ts';
import type { SecretPayload } from './provider.ts';

/** AWS's limit on the secrets one BatchGetSecretValue call may name. */
export const awsBatchReadLimit = 20;

export const awsSecretNamePattern = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
export const awsSecretArnPattern =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

/** A name, or the ARN of an existing secret (imported secrets). */
export function checkAwsSecretRef(ref: string): void {
  if (!awsSecretNamePattern.test(ref) && !awsSecretArnPattern.test(ref)) {
    throw new ValidationError(
      'an AWS secret is named by its name (1 to 512 characters among letters, digits and / _ + = . @ -) or its ARN',
      {
        details: [{ path: 'ref', message: 'not a valid AWS Secrets Manager secret name or ARN' }],
      },
    );
  }
}

/** The value fields of a GetSecretValue answer, or of one entry of a BatchGetSecretValue answer. */
export interface AwsSecretValue {
  SecretString?: string | undefined;
  SecretBinary?: Uint8Array | undefined;
}

/** The payload of a secret's answered value, decoded by the `kind` hint when given, else detected. */
export function decodeAwsSecret(
  answer: AwsSecretValue,
  ref: string,
  kind: SecretPayload['kind'] | undefined,
): SecretPayload {
  const unreadable = (as: string) =>
    new UnprocessableError(
      `"${ref}" does not hold ${as} any more (it was changed outside secretm); write it again, or read it as another type`,
    );
  if (answer.SecretBinary !== undefined) {
    const bytes = answer.SecretBinary;
    if (kind === undefined || kind === 'binary') return { kind: 'binary', bytes };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw unreadable(kind === 'map' ? 'a key/value map' : 'text');
    }
    return decodeString(text, kind, unreadable);
  }
  if (answer.SecretString !== undefined) return decodeString(answer.SecretString, kind, unreadable);
  throw new NotFoundError(`"${ref}" has no value in this version`);
}

/** The entry of a batch answer that is the secret `ref` names (a name, a full ARN, or an ARN without suffix). */
export function batchEntryFor<T extends { Name?: string | undefined; ARN?: string | undefined }>(
  entries: readonly T[],
  ref: string,
): T | undefined {
  return entries.find(
    (entry) =>
      entry.Name === ref || entry.ARN === ref || (ref.startsWith('arn:') && entry.ARN?.startsWith(`${ref}-`)),
  );
}

function decodeString(
  text: string,
  kind: SecretPayload['kind'] | undefined,
  unreadable: (as: string) => SecretmError,
): SecretPayload {
  switch (kind) {
    case 'text':
      return { kind: 'text', text };
    case 'binary':
      return { kind: 'binary', bytes: new Uint8Array(Buffer.from(text, 'utf8')) };
    case 'map': {
      // secretm wrote a map: scalars someone edited in the console (a port as a number) read as text.
      const data = flatObject(text, (value) =>
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : undefined,
      );
      if (!data) throw unreadable('a key/value map');
      return { kind: 'map', data };
    }
    case undefined: {
      const data = flatObject(text, (value) => (typeof value === 'string' ? value : undefined));
      return data ? { kind: 'map', data } : { kind: 'text', text };
    }
  }
}

/** A JSON object whose every value `convert` accepts, as a map of strings; undefined otherwise. */
function flatObject(
  text: string,
  convert: (value: unknown) => string | undefined,
): Record<string, string> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const converted = convert(value);
    if (converted === undefined) return undefined;
    entries.push([key, converted]);
  }
  return Object.fromEntries(entries);
}
