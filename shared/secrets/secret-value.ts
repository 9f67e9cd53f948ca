/** Turns what a client sent into a secret value and a vault payload, and back. */
import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import { payloadSize, type SecretPayload } from '../providers/provider.ts';
import { parseDotenv } from './dotenv.ts';
import type { FileMetadata, SecretType, SecretValue } from './secret-types.ts';

/** The most a secret value may hold, as AWS Secrets Manager allows. */
export const maxValueBytes = 64 * 1024;
const maxKeys = 1000;

export interface ValueInput {
  data?: Record<string, string>;
  dotenv?: string;
  file?: {
    content: string;
    encoding: 'utf8' | 'base64';
    filename: string;
    mountPath?: string;
    mode?: string;
  };
}

/** Builds the value of a `type` secret from exactly one of data / dotenv (env) or file (file). */
export function valueFromInput(type: SecretType, input: ValueInput): SecretValue {
  if (type === 'env') {
    if (input.file) throw new ValidationError('an env secret takes data or dotenv, not file');
    if (input.data && input.dotenv !== undefined) throw new ValidationError('give data or dotenv, not both');
    const data = input.data ?? (input.dotenv !== undefined ? parseDotenv(input.dotenv) : undefined);
    if (!data) throw new ValidationError('an env secret needs data or dotenv');
    return envValue(data);
  }
  if (input.data || input.dotenv !== undefined)
    throw new ValidationError('a file secret takes file, not data or dotenv');
  if (!input.file) throw new ValidationError('a file secret needs file');
  const { content, ...meta } = input.file;
  if (content.length === 0) throw new ValidationError('file.content is empty');
  if (meta.encoding === 'base64') decodeBase64(content);
  return { type: 'file', file: { ...withoutUndefined(meta), content } };
}

export function envValue(data: Record<string, string>): SecretValue {
  const keys = Object.keys(data);
  if (keys.length === 0) throw new ValidationError('an env secret needs at least one key');
  if (keys.length > maxKeys) throw new ValidationError(`an env secret holds at most ${maxKeys} keys`);
  return { type: 'env', data: { ...data } };
}

export function keysOf(value: SecretValue): string[] {
  return value.type === 'env' ? Object.keys(value.data).sort() : [];
}

export function fileMetadataOf(value: SecretValue): FileMetadata | undefined {
  if (value.type !== 'file') return undefined;
  const { content: _content, ...meta } = value.file;
  return meta;
}

export function toPayload(value: SecretValue): SecretPayload {
  if (value.type === 'env') return { kind: 'map', data: value.data };
  if (value.file.encoding === 'base64') return { kind: 'binary', bytes: decodeBase64(value.file.content) };
  return { kind: 'text', text: value.file.content };
}

/** The payload kind secretm wrote for a secret of this shape, as a decode hint for the vault. */
export function payloadKindFor(type: SecretType, file?: FileMetadata): SecretPayload['kind'] {
  if (type === 'env') return 'map';
  return file?.encoding === 'base64' ? 'binary' : 'text';
}

export function fromPayload(payload: SecretPayload, type: SecretType, file?: FileMetadata): SecretValue {
  if (type === 'env') {
    if (payload.kind !== 'map')
      throw new ValidationError('the vault holds this secret as a file, not key/value pairs');
    return { type: 'env', data: payload.data };
  }
  const meta: FileMetadata = file ?? {
    filename: 'secret',
    encoding: payload.kind === 'binary' ? 'base64' : 'utf8',
  };
  switch (payload.kind) {
    case 'binary':
      return {
        type: 'file',
        file: { ...meta, encoding: 'base64', content: Buffer.from(payload.bytes).toString('base64') },
      };
    case 'text':
      return { type: 'file', file: { ...meta, encoding: 'utf8', content: payload.text } };
    case 'map':
      return { type: 'file', file: { ...meta, encoding: 'utf8', content: JSON.stringify(payload.data) } };
  }
}

/** Refuses values over the limit (413) before anything is written. */
export function assertValueSize(payload: SecretPayload): number {
  const size = payloadSize(payload);
  if (size > maxValueBytes) {
    throw new PayloadTooLargeError(
      `the value is ${size} bytes; a secret holds at most ${maxValueBytes} bytes`,
    );
  }
  return size;
}

function decodeBase64(content: string): Uint8Array {
  const compact = content.replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) {
    throw new ValidationError('file.content is not valid base64', {
      details: [{ path: 'body.file.content', message: 'not valid base64' }],
    });
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
