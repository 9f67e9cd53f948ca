/**
 * Credentials of an assumed role (STS AssumeRole), renewed before they expire, one STS call however
 * many callers wait. Loaded by a Secrets Manager connection that has a `roleArn`, and by the tenant
 * sessions of an AWS deployment (shared/tenancy/tenant-sessions.ts), which pass a session policy.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { ProviderUnavailableError, type SecretmError } from '../errors.ts';

export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface RoleCredentialsOptions {
  region: string;
  endpoint?: string;
  /** What assumes the role: credentials, or a function answering them; else the SDK's default chain. */
  credentials?: RoleCredentials | (() => Promise<RoleCredentials>);
  requestHandler?: NodeHttpHandler;
  roleArn: string;
  externalId?: string;
  /** Names the session in CloudTrail. Default `secretm`. */
  sessionName?: string;
  /** A session policy (JSON): the credentials can do only what both it and the role allow. */
  policy?: string;
  sessionSeconds: number;
  refreshMarginMs: number;
  timeoutMs: number;
  /** Maps whatever STS threw to the typed error callers see. */
  fail: (error: unknown) => SecretmError;
}

export function createRoleCredentials(options: RoleCredentialsOptions): () => Promise<RoleCredentials> {
  const sts = new STSClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.requestHandler === undefined ? {} : { requestHandler: options.requestHandler }),
    maxAttempts: 2,
  });
  let assumed: RoleCredentials | undefined;
  let assuming: Promise<RoleCredentials> | undefined;
  return async () => {
    if (assumed?.expiration && assumed.expiration.getTime() - options.refreshMarginMs > Date.now())
      return assumed;
    assuming ??= (async () => {
      try {
        const answer = await sts.send(
          new AssumeRoleCommand({
            RoleArn: options.roleArn,
            RoleSessionName: options.sessionName ?? 'secretm',
            DurationSeconds: options.sessionSeconds,
            ...(options.externalId === undefined ? {} : { ExternalId: options.externalId }),
            ...(options.policy === undefined ? {} : { Policy: options.policy }),
          }),
          { abortSignal: AbortSignal.timeout(options.timeoutMs) },
        );
        const c = answer.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) {
          throw new ProviderUnavailableError(
            `STS answered no credentials for the role ${options.roleArn}; try again`,
          );
        }
        assumed = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
          expiration: c.Expiration ?? new Date(Date.now() + options.sessionSeconds * 1000),
        };
        return assumed;
      } catch (error) {
        throw options.fail(error);
      } finally {
        assuming = undefined;
      }
    })();
    return assuming;
  };
}
