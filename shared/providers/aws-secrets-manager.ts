/**
 * The `aws-secrets-manager` vault: AWS Secrets Manager through @aws-sdk/client-secrets-manager.
 *
 * - Payloads: a map is a SecretString holding a flat JSON object, text a SecretString, binary a
 *   SecretBinary. `get` decodes by the `kind` hint when given, else detects (SecretBinary → binary; a
 *   flat JSON object of string values → map; anything else → text), so imported secrets read well.
 *   The decoding (aws-secret-payload.ts) and the error mapping (aws-errors.ts) live in modules without
 *   SDK imports, which the secretm layer's own signed reader shares.
 * - Versions are AWS's own: `put` is PutSecretValue, whose new version takes AWSCURRENT and moves
 *   AWSPREVIOUS to the old one; a version id is AWS's VersionId (= the ClientRequestToken).
 * - Idempotency: the write's token becomes the ClientRequestToken (derived as a UUID from a hash when
 *   it is not 32–64 characters, as AWS requires), so a retried write makes no second version. Without
 *   a token the SDK makes one per call, kept across its own retries.
 * - Values over AWS's 65,536-byte limit are refused before any call.
 * - Description and tags: set by create; `updateMetadata` changes them in place (UpdateSecret for the
 *   description, TagResource and UntagResource for tags), writing no version.
 * - Soft delete is DeleteSecret with a recovery window (7–30 days), purge ForceDeleteWithoutRecovery.
 *   A secret pending deletion reads as absent; `create` on its name is a ConflictError.
 * - Refs are secret names (`secretm/<tenant>/<name>` for secretm's own); `get` also takes ARNs.
 * - `getBatch` reads the current version of up to 20 secrets in one BatchGetSecretValue call (the
 *   secretm layer's batched reads), with one outcome per secret; the payload rules are `get`'s.
 * - `roleArn` makes every call with the credentials of an assumed role (STS AssumeRole, refreshed
 *   before they expire), so one deployment reaches secrets in other accounts.
 * - Staging labels (`staging`, for rotation): `putPending` writes a version labelled AWSPENDING only
 *   (AWSCURRENT stays where it is), `promotePending` moves AWSCURRENT to it (AWS moves AWSPREVIOUS to
 *   the old current) and drops AWSPENDING, `discardPending` drops AWSPENDING; all idempotent.
 * - Network: one NodeHttpHandler per adapter on its own agents (the connection's `lookup`, its CA; the
 *   http: agent made on the first http: request, so node:http is loaded only for such an endpoint),
 *   connect and request timeouts, two attempts at most, and an abort after `timeoutMs` per call; the
 *   SDK follows no redirects.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import {
  BatchGetSecretValueCommand,
  type BatchGetSecretValueCommandOutput,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  InvalidNextTokenException,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { meterRequest } from '../costs/request-meter.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  SecretmError,
  UnauthorizedError,
  ValidationError,
} from '../errors.ts';
import { awsServiceError, credentialErrorCodes, networkError, permissionErrorCodes } from './aws-errors.ts';
import {
  awsBatchReadLimit,
  awsSecretNamePattern,
  batchEntryFor,
  checkAwsSecretRef,
  decodeAwsSecret,
} from './aws-secret-payload.ts';
import {
  type ConnectionCheck,
  type DeleteMode,
  defaultVaultTimeoutMs,
  type NetworkOptions,
  payloadSize,
  type ReadValue,
  type SecretPayload,
  type SecretProvider,
  type WriteOptions,
  type WrittenVersion,
} from './provider.ts';

export interface AwsSecretsManagerConfig {
  region: string;
  /** A private or test endpoint (`https://…`); by default the region's public endpoint. */
  endpoint?: string;
  /** STS endpoint for `roleArn`; by default `endpoint` when one is set, else the region's STS. */
  stsEndpoint?: string;
  /** A role to assume for every call (cross-account), with its external id when the role requires one. */
  roleArn?: string;
  externalId?: string;
  /** The KMS key new secrets are encrypted with; by default AWS's `aws/secretsmanager` key. */
  kmsKeyId?: string;
  /** Prefix of the names secretm gives its own secrets. Default `secretm/`. */
  namePrefix?: string;
  /**
   * Regions every secret this adapter creates is replicated to (each replica is billed as a secret of
   * its own). A replicated secret's replicas are removed before it is deleted (AWS deletes no primary
   * that has replicas) and made again when it is restored.
   */
  replicaRegions?: string[];
  /**
   * Credentials, or a function answering them (a tenant's session); else the SDK's default chain.
   * With `roleArn`, these are what assumes the role.
   */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** AWS Secrets Manager's limit for SecretString and SecretBinary. */
export const awsSecretMaxBytes = 65_536;

const defaultNamePrefix = 'secretm/';
const minRecoveryDays = 7;
const maxRecoveryDays = 30;
const maxDiscoverPage = 100;
const assumedRoleSeconds = 3_600;
/** Assumed-role credentials are renewed this long before they expire. */
const credentialRefreshMarginMs = 5 * 60_000;

export { awsBatchReadLimit } from './aws-secret-payload.ts';

/** One secret of a batch read: its value, or why it could not be read. */
export type BatchReadOutcome = { ref: string; value: ReadValue } | { ref: string; error: SecretmError };

export interface AwsSecretsManagerProvider extends SecretProvider {
  /**
   * Reads the current version of up to 20 secrets (names or ARNs) in one BatchGetSecretValue call and
   * answers one outcome per ref, in order: a missing or unreadable secret is that ref's error, not the
   * call's. A failure of the call itself (network, credentials, throttling, no permission for
   * BatchGetSecretValue) is thrown, as `get` throws it. `kind` is the decode hint of `get`, per ref.
   */
  getBatch(refs: readonly { ref: string; kind?: SecretPayload['kind'] }[]): Promise<BatchReadOutcome[]>;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export function createAwsSecretsManagerProvider(
  config: AwsSecretsManagerConfig,
  network: NetworkOptions = {},
): AwsSecretsManagerProvider {
  const region = checkRegion(config.region);
  const replicaRegions = (config.replicaRegions ?? []).map(checkRegion);
  if (replicaRegions.includes(region) || new Set(replicaRegions).size !== replicaRegions.length) {
    throw new ValidationError('replicaRegions must be other regions than the home region, each once');
  }
  const endpoint = config.endpoint === undefined ? undefined : checkEndpoint(config.endpoint, 'endpoint');
  const stsEndpoint =
    config.stsEndpoint === undefined ? endpoint : checkEndpoint(config.stsEndpoint, 'stsEndpoint');
  const namePrefix = config.namePrefix ?? defaultNamePrefix;
  const timeoutMs = network.timeoutMs ?? defaultVaultTimeoutMs;
  const where = endpoint ?? `AWS Secrets Manager in ${region}`;

  const requestHandler = new NodeHttpHandler({
    // Options, not an agent: the handler loads node:http and makes this agent on the first http:
    // request (a private or test endpoint), so a function that only reaches AWS over https never
    // loads node:http. Node's own default of unbounded sockets, as the https agent has.
    httpAgent: { keepAlive: true, lookup: network.lookup, maxSockets: Number.POSITIVE_INFINITY },
    httpsAgent: new HttpsAgent({
      keepAlive: true,
      lookup: network.lookup,
      ...(network.caCert === undefined ? {} : { ca: network.caCert }),
    }),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    throwOnRequestTimeout: true,
  });
  const baseCredentials = config.credentials;

  const roleArn = config.roleArn;
  // STS is loaded only for a connection that assumes a role: reads in the function's own account
  // (the layer's common case) never pay for it.
  let roleSource: Promise<() => Promise<Credentials>> | undefined;
  const roleCredentials = async (): Promise<Credentials> => {
    roleSource ??= import('./aws-assume-role.ts').then(({ createRoleCredentials }) =>
      createRoleCredentials({
        region,
        ...(stsEndpoint === undefined ? {} : { endpoint: stsEndpoint }),
        ...(baseCredentials === undefined ? {} : { credentials: baseCredentials }),
        requestHandler,
        roleArn: roleArn!,
        ...(config.externalId === undefined ? {} : { externalId: config.externalId }),
        sessionSeconds: assumedRoleSeconds,
        refreshMarginMs: credentialRefreshMarginMs,
        timeoutMs,
        fail: (error) => assumeRoleError(error, roleArn!, stsEndpoint ?? `STS in ${region}`, timeoutMs),
      }),
    );
    return (await roleSource)();
  };

  const client = new SecretsManagerClient({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(roleArn !== undefined
      ? { credentials: roleCredentials }
      : baseCredentials === undefined
        ? {}
        : { credentials: baseCredentials }),
    requestHandler,
    maxAttempts: 2,
  });

  // Every request this client sends (each retry too) is told to the cost meter, by API operation name.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      // The secret a request is about: SecretId, or Name for CreateSecret; none for list and batch calls.
      const input = args.input as { SecretId?: unknown; Name?: unknown };
      const ref = input.SecretId ?? input.Name;
      meterRequest(
        (context.commandName ?? 'Unknown').replace(/Command$/, ''),
        typeof ref === 'string' ? ref : undefined,
      );
      return next(args);
    },
    { step: 'deserialize', name: 'secretmRequestMeter' },
  );

  /** Every call is bounded: the handler's timeouts per attempt, and an abort after `timeoutMs` overall. */
  const bounded = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });
  const fail = (error: unknown, ref?: string) => mapError(error, { where, timeoutMs, ref });

  /** Removes the replicas a secret has now (AWS deletes no primary secret that has replicas). */
  const removeReplicas = async (ref: string): Promise<void> => {
    const described = await client.send(new DescribeSecretCommand({ SecretId: ref }), bounded());
    const present = (described.ReplicationStatus ?? []).flatMap((replica) =>
      replica.Region ? [replica.Region] : [],
    );
    if (present.length === 0) return;
    await client.send(
      new RemoveRegionsFromReplicationCommand({ SecretId: ref, RemoveReplicaRegions: present }),
      bounded(),
    );
  };

  /** Whether the secret at ref exists, and whether it is pending deletion (DescribeSecret's DeletedDate). */
  const stateOf = async (ref: string): Promise<'absent' | 'live' | 'pending deletion'> => {
    try {
      const described = await client.send(new DescribeSecretCommand({ SecretId: ref }), bounded());
      return described.DeletedDate === undefined ? 'live' : 'pending deletion';
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return 'absent';
      throw fail(error, ref);
    }
  };

  /** A call refused with InvalidRequestException: NotFoundError when the secret is pending deletion. */
  const refusedByState = async (error: InvalidRequestException, ref: string): Promise<SecretmError> => {
    const state = await stateOf(ref);
    if (state === 'absent') return notFound(ref, error);
    if (state === 'pending deletion') {
      return new NotFoundError(`"${ref}" is pending deletion in ${where}; restore it to use it again`, {
        cause: error,
      });
    }
    return fail(error, ref);
  };

  /** Each version id of the secret with its staging labels. */
  const versionStages = async (ref: string): Promise<Record<string, string[]>> => {
    try {
      const described = await client.send(new DescribeSecretCommand({ SecretId: ref }), bounded());
      if (described.DeletedDate !== undefined) {
        throw new NotFoundError(`"${ref}" is pending deletion in ${where}; restore it to use it again`);
      }
      return described.VersionIdsToStages ?? {};
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw notFound(ref, error);
      throw fail(error, ref);
    }
  };

  const moveStage = async (
    ref: string,
    stage: string,
    move: { to?: string; from?: string },
  ): Promise<void> => {
    try {
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: ref,
          VersionStage: stage,
          ...(move.to === undefined ? {} : { MoveToVersionId: move.to }),
          ...(move.from === undefined ? {} : { RemoveFromVersionId: move.from }),
        }),
        bounded(),
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw notFound(ref, error);
      if (error instanceof InvalidRequestException) throw await refusedByState(error, ref);
      throw fail(error, ref);
    }
  };

  const provider: AwsSecretsManagerProvider = {
    kind: 'aws-secrets-manager',
    countsRequests: true,
    ...(replicaRegions.length === 0 ? {} : { replicas: replicaRegions.length }),

    staging: {
      async putPending(ref, payload, token) {
        checkAwsSecretRef(ref);
        const value = encode(payload);
        const requestToken = clientRequestToken({ idempotencyToken: token });
        try {
          const written = await client.send(
            new PutSecretValueCommand({
              SecretId: ref,
              ...value,
              ClientRequestToken: requestToken,
              VersionStages: ['AWSPENDING'],
            }),
            bounded(),
          );
          return { versionId: writtenVersion(written.VersionId, requestToken, ref) };
        } catch (error) {
          if (error instanceof ResourceNotFoundException) throw notFound(ref, error);
          if (error instanceof InvalidRequestException) throw await refusedByState(error, ref);
          throw fail(error, ref);
        }
      },

      async promotePending(ref, versionId) {
        checkAwsSecretRef(ref);
        const stages = await versionStages(ref);
        const labels = stages[versionId];
        if (!labels) throw new NotFoundError(`"${ref}" has no version ${versionId} in ${where}`);
        const current = Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT'));
        if (current !== versionId) {
          await moveStage(ref, 'AWSCURRENT', { to: versionId, ...(current ? { from: current } : {}) });
        }
        if (labels.includes('AWSPENDING')) await moveStage(ref, 'AWSPENDING', { from: versionId });
      },

      async discardPending(ref, versionId) {
        checkAwsSecretRef(ref);
        const stages = await versionStages(ref);
        if (stages[versionId]?.includes('AWSPENDING')) {
          await moveStage(ref, 'AWSPENDING', { from: versionId });
        }
      },
    },

    refFor(tenant, name) {
      return `${namePrefix}${tenant}/${name}`;
    },

    absent: (ref) => notFound(ref),

    async create(ref, payload, options): Promise<WrittenVersion> {
      checkName(ref);
      const value = encode(payload);
      const token = clientRequestToken(options);
      try {
        const created = await client.send(
          new CreateSecretCommand({
            Name: ref,
            ...value,
            ...(token === undefined ? {} : { ClientRequestToken: token }),
            ...(config.kmsKeyId === undefined ? {} : { KmsKeyId: config.kmsKeyId }),
            ...(options?.description === undefined ? {} : { Description: options.description }),
            ...(options?.tags === undefined ? {} : { Tags: awsTags(options.tags) }),
            ...(replicaRegions.length === 0
              ? {}
              : { AddReplicaRegions: replicaRegions.map((Region) => ({ Region })) }),
          }),
          bounded(),
        );
        return { versionId: writtenVersion(created.VersionId, token, ref) };
      } catch (error) {
        if (error instanceof ResourceExistsException) {
          throw new ConflictError(
            `"${ref}" exists already in ${where}; write a new version instead, or choose another name`,
            { cause: error },
          );
        }
        if (error instanceof InvalidRequestException) {
          if ((await stateOf(ref)) === 'pending deletion') {
            throw new ConflictError(
              `"${ref}" is pending deletion in ${where}; restore it, or purge it to reuse the name`,
              { cause: error },
            );
          }
        }
        throw fail(error, ref);
      }
    },

    async put(ref, payload, options): Promise<WrittenVersion> {
      checkAwsSecretRef(ref);
      const value = encode(payload);
      const token = clientRequestToken(options);
      let versionId: string;
      try {
        const written = await client.send(
          new PutSecretValueCommand({
            SecretId: ref,
            ...value,
            ...(token === undefined ? {} : { ClientRequestToken: token }),
          }),
          bounded(),
        );
        versionId = writtenVersion(written.VersionId, token, ref);
      } catch (error) {
        if (error instanceof ResourceNotFoundException) throw notFound(ref, error);
        if (error instanceof InvalidRequestException) throw await refusedByState(error, ref);
        throw fail(error, ref);
      }
      // Metadata after the value: a retry with the same token rewrites no version, only this again.
      try {
        if (options?.description !== undefined) {
          await client.send(
            new UpdateSecretCommand({ SecretId: ref, Description: options.description }),
            bounded(),
          );
        }
        if (options?.tags !== undefined && Object.keys(options.tags).length > 0) {
          await client.send(
            new TagResourceCommand({ SecretId: ref, Tags: awsTags(options.tags) }),
            bounded(),
          );
        }
      } catch (error) {
        throw fail(error, ref);
      }
      return { versionId };
    },

    async updateMetadata(ref, changes) {
      checkAwsSecretRef(ref);
      const tags = Object.entries(changes.tags ?? {});
      const set = tags.flatMap(([Key, Value]) => (Value === null ? [] : [{ Key, Value }]));
      const removed = tags.flatMap(([key, value]) => (value === null ? [key] : []));
      try {
        // DescribeSecret first: AWS answers these calls for a secret pending deletion as if it were live.
        const described = await client.send(new DescribeSecretCommand({ SecretId: ref }), bounded());
        if (described.DeletedDate !== undefined) {
          throw new NotFoundError(`"${ref}" is pending deletion in ${where}; restore it to use it again`);
        }
        if (changes.description !== undefined) {
          await client.send(
            new UpdateSecretCommand({ SecretId: ref, Description: changes.description ?? '' }),
            bounded(),
          );
        }
        if (removed.length > 0) {
          await client.send(new UntagResourceCommand({ SecretId: ref, TagKeys: removed }), bounded());
        }
        if (set.length > 0)
          await client.send(new TagResourceCommand({ SecretId: ref, Tags: set }), bounded());
      } catch (error) {
        if (error instanceof ResourceNotFoundException) throw notFound(ref, error);
        if (error instanceof InvalidRequestException) throw await refusedByState(error, ref);
        throw fail(error, ref);
      }
    },

    async get(ref, options): Promise<ReadValue> {
      checkAwsSecretRef(ref);
      let answer: GetSecretValueCommandOutput;
      try {
        answer = await client.send(
          new GetSecretValueCommand({
            SecretId: ref,
            ...(options?.versionId === undefined
              ? { VersionStage: 'AWSCURRENT' }
              : { VersionId: options.versionId }),
          }),
          bounded(),
        );
      } catch (error) {
        if (error instanceof ResourceNotFoundException) {
          throw options?.versionId === undefined
            ? notFound(ref, error)
            : new NotFoundError(`"${ref}" has no version ${options.versionId} in ${where}`, { cause: error });
        }
        if (error instanceof InvalidParameterException && options?.versionId !== undefined) {
          throw new NotFoundError(`"${ref}" has no version ${options.versionId} in ${where}`, {
            cause: error,
          });
        }
        if (error instanceof InvalidRequestException) throw await refusedByState(error, ref);
        throw fail(error, ref);
      }
      if (!answer.VersionId) {
        throw new ProviderUnavailableError(`${where} answered "${ref}" without a version id; try again`);
      }
      return { payload: decodeAwsSecret(answer, ref, options?.kind), versionId: answer.VersionId };
    },

    async getBatch(refs): Promise<BatchReadOutcome[]> {
      if (refs.length === 0) return [];
      if (refs.length > awsBatchReadLimit) {
        throw new ValidationError(`a batch read names at most ${awsBatchReadLimit} secrets`);
      }
      for (const { ref } of refs) checkAwsSecretRef(ref);
      const ids = [...new Set(refs.map(({ ref }) => ref))];
      const values: NonNullable<BatchGetSecretValueCommandOutput['SecretValues']> = [];
      const errors: NonNullable<BatchGetSecretValueCommandOutput['Errors']> = [];
      try {
        let nextToken: string | undefined;
        do {
          const page: BatchGetSecretValueCommandOutput = await client.send(
            new BatchGetSecretValueCommand({
              SecretIdList: ids,
              ...(nextToken === undefined ? {} : { NextToken: nextToken }),
            }),
            bounded(),
          );
          values.push(...(page.SecretValues ?? []));
          errors.push(...(page.Errors ?? []));
          nextToken = page.NextToken || undefined;
        } while (nextToken !== undefined);
      } catch (error) {
        throw fail(error);
      }
      return Promise.all(
        refs.map(async ({ ref, kind }): Promise<BatchReadOutcome> => {
          // A ref names a secret by name, full ARN, or ARN without AWS's six-character suffix.
          const entry = batchEntryFor(values, ref);
          try {
            if (entry?.VersionId) {
              return {
                ref,
                value: { payload: decodeAwsSecret(entry, ref, kind), versionId: entry.VersionId },
              };
            }
            const refused = errors.find((error) => error.SecretId === ref);
            if (refused?.ErrorCode === 'ResourceNotFoundException') return { ref, error: notFound(ref) };
            // Anything else (pending deletion, KMS, permission, an answer that names the secret
            // differently) is read alone, so its error is exactly the one `get` gives.
            return { ref, value: await provider.get(ref, kind === undefined ? {} : { kind }) };
          } catch (error) {
            return { ref, error: fail(error, ref) };
          }
        }),
      );
    },

    async delete(ref, mode: DeleteMode) {
      checkAwsSecretRef(ref);
      if (mode.mode === 'soft') {
        const days = mode.recoveryWindowDays;
        if (!Number.isInteger(days) || days < minRecoveryDays || days > maxRecoveryDays) {
          throw new ValidationError(
            `the recovery window must be a whole number of days from ${minRecoveryDays} to ${maxRecoveryDays}`,
            { details: [{ path: 'recoveryWindowDays', message: `got ${days}` }] },
          );
        }
      }
      try {
        if (replicaRegions.length > 0) await removeReplicas(ref);
        await client.send(
          new DeleteSecretCommand(
            mode.mode === 'soft'
              ? { SecretId: ref, RecoveryWindowInDays: mode.recoveryWindowDays }
              : { SecretId: ref, ForceDeleteWithoutRecovery: true },
          ),
          bounded(),
        );
      } catch (error) {
        if (error instanceof ResourceNotFoundException) throw notFound(ref, error);
        if (error instanceof InvalidRequestException) throw await refusedByState(error, ref);
        throw fail(error, ref);
      }
    },

    async restore(ref) {
      checkAwsSecretRef(ref);
      const state = await stateOf(ref);
      if (state === 'absent') throw notFound(ref);
      if (state === 'live') {
        throw new NotFoundError(
          `"${ref}" is not pending deletion in ${where}, so there is nothing to restore`,
        );
      }
      try {
        await client.send(new RestoreSecretCommand({ SecretId: ref }), bounded());
        if (replicaRegions.length > 0) {
          await client.send(
            new ReplicateSecretToRegionsCommand({
              SecretId: ref,
              AddReplicaRegions: replicaRegions.map((Region) => ({ Region })),
            }),
            bounded(),
          );
        }
      } catch (error) {
        if (error instanceof ResourceNotFoundException) throw notFound(ref, error);
        throw fail(error, ref);
      }
    },

    async test(): Promise<ConnectionCheck> {
      // Only steps that ran are reported: a call the address guard refused, or that got no answer,
      // stops at its first step, and nothing after it is claimed.
      const reach = `reach ${where}`;
      const authenticate = 'authenticate';
      const permission = 'list secrets (secretsmanager:ListSecrets)';
      const steps: ConnectionCheck['steps'] = [];
      if (roleArn !== undefined) {
        const assume = `assume the role ${roleArn}`;
        try {
          await roleCredentials();
          steps.push({ step: assume, ok: true, message: 'STS gave credentials for the role' });
        } catch (error) {
          return { ok: false, steps: [{ step: assume, ok: false, message: messageOf(error) }] };
        }
      }
      try {
        await client.send(new ListSecretsCommand({ MaxResults: 1 }), bounded());
        steps.push(
          { step: reach, ok: true, message: `${where} answered` },
          { step: authenticate, ok: true, message: 'AWS accepted the connection’s credentials' },
          { step: permission, ok: true, message: 'the connection may list secrets' },
        );
        return { ok: true, steps };
      } catch (error) {
        const mapped = fail(error);
        if (serviceError(error) === undefined) {
          steps.push({ step: reach, ok: false, message: mapped.message });
        } else if (mapped instanceof UnauthorizedError) {
          steps.push(
            { step: reach, ok: true, message: `${where} answered` },
            { step: authenticate, ok: false, message: mapped.message },
          );
        } else {
          steps.push(
            { step: reach, ok: true, message: `${where} answered` },
            { step: authenticate, ok: true, message: 'AWS accepted the connection’s credentials' },
            { step: permission, ok: false, message: mapped.message },
          );
        }
        return { ok: false, steps };
      }
    },

    async discover(options) {
      const limit = options?.limit ?? maxDiscoverPage;
      if (!Number.isInteger(limit) || limit < 1 || limit > maxDiscoverPage) {
        throw new ValidationError(`limit must be a whole number from 1 to ${maxDiscoverPage}`);
      }
      try {
        const page = await client.send(
          new ListSecretsCommand({
            MaxResults: limit,
            ...(options?.cursor === undefined ? {} : { NextToken: options.cursor }),
            // A name filter matches names that start with it; callers check the answer again.
            ...(options?.prefix ? { Filters: [{ Key: 'name', Values: [options.prefix] }] } : {}),
          }),
          bounded(),
        );
        const items = (page.SecretList ?? []).flatMap((secret) =>
          secret.Name === undefined
            ? []
            : [
                {
                  ref: secret.Name,
                  ...(secret.CreatedDate === undefined
                    ? {}
                    : { createdAt: secret.CreatedDate.toISOString() }),
                  ...(secret.LastChangedDate === undefined
                    ? {}
                    : { updatedAt: secret.LastChangedDate.toISOString() }),
                },
              ],
        );
        return page.NextToken ? { items, cursor: page.NextToken } : { items };
      } catch (error) {
        if (error instanceof InvalidNextTokenException) {
          throw new ValidationError(
            'the cursor is not valid (expired, or from another listing); list again without it',
            {
              cause: error,
            },
          );
        }
        throw fail(error);
      }
    },
  };
  return provider;

  function notFound(ref: string, cause?: unknown): NotFoundError {
    return new NotFoundError(`no secret "${ref}" in ${where}`, { cause });
  }
}

/** The ClientRequestToken for a write: the caller's token when AWS accepts it as is, else a UUID derived from it. */
export function clientRequestToken(options: WriteOptions | undefined): string | undefined {
  const token = options?.idempotencyToken;
  if (token === undefined) return undefined;
  if (token.length >= 32 && token.length <= 64) return token;
  const hash = createHash('sha256').update(`secretm idempotency token\0${token}`, 'utf8').digest('hex');
  const variant = ((Number.parseInt(hash[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-5${hash.slice(13, 16)}-${variant}${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
}

function writtenVersion(versionId: string | undefined, token: string | undefined, ref: string): string {
  // AWS's VersionId is the ClientRequestToken; an idempotent replay may answer without it.
  const id = versionId ?? token;
  if (!id)
    throw new ProviderUnavailableError(
      `the vault answered the write of "${ref}" without a version id; try again`,
    );
  return id;
}

function encode(payload: SecretPayload): { SecretString: string } | { SecretBinary: Uint8Array } {
  const size = payloadSize(payload);
  if (size > awsSecretMaxBytes) {
    throw new PayloadTooLargeError(
      `the value is ${size} bytes; AWS Secrets Manager holds at most ${awsSecretMaxBytes} bytes per secret (split it, or keep a file elsewhere and store its key)`,
    );
  }
  switch (payload.kind) {
    case 'map':
      return { SecretString: JSON.stringify(payload.data) };
    case 'text':
      return { SecretString: payload.text };
    case 'binary':
      return { SecretBinary: payload.bytes };
  }
}

function awsTags(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function checkRegion(region: string): string {
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) {
    throw new ValidationError(`"${region}" is not an AWS region name (such as eu-west-1)`, {
      details: [{ path: 'config.region', message: 'expected an AWS region name' }],
    });
  }
  return region;
}

function checkEndpoint(endpoint: string, field: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new ValidationError(`${field} is not a URL`, {
      cause: error,
      details: [{ path: `config.${field}`, message: 'expected an http(s) URL' }],
    });
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  ) {
    throw new ValidationError(
      `${field} must be a plain http(s) URL, with no credentials, query or fragment`,
      {
        details: [{ path: `config.${field}`, message: 'expected an http(s) URL' }],
      },
    );
  }
  return endpoint;
}

function checkName(ref: string): void {
  if (!awsSecretNamePattern.test(ref)) {
    throw new ValidationError(
      'an AWS secret name has 1 to 512 characters among letters, digits and / _ + = . @ -',
      { details: [{ path: 'ref', message: 'not a valid AWS Secrets Manager secret name' }] },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An AWS service's answered error (STS's too, whose client is loaded only when a role is assumed). */
function isServiceException(
  error: unknown,
): error is Error & { $fault: string; $metadata: { httpStatusCode?: number } } {
  return error instanceof Error && '$fault' in error && '$metadata' in error;
}

/** The HTTP status and error code of an AWS service error; undefined for a network failure. */
function serviceError(
  error: unknown,
): { status: number | undefined; code: string; message: string } | undefined {
  if (error instanceof SecretsManagerServiceException || isServiceException(error)) {
    return { status: error.$metadata.httpStatusCode, code: error.name, message: error.message };
  }
  return undefined;
}

/** Maps what the SDK threw to a typed error whose message says what a person can do (aws-errors.ts). */
function mapError(error: unknown, context: { where: string; timeoutMs: number; ref?: string }): SecretmError {
  if (error instanceof SecretmError) return error;
  const service = serviceError(error);
  if (service) return awsServiceError(service, context, error);
  return networkError(error, context.where, context.timeoutMs);
}

function assumeRoleError(error: unknown, roleArn: string, where: string, timeoutMs: number): SecretmError {
  if (error instanceof SecretmError) return error;
  const service = serviceError(error);
  if (service && (credentialErrorCodes.has(service.code) || service.status === 401)) {
    return new UnauthorizedError(
      `the vault refused the connection's credentials when assuming ${roleArn} (${service.code}): check the credentials secretm runs with`,
      { cause: error },
    );
  }
  if (service && (permissionErrorCodes.has(service.code) || service.status === 403)) {
    return new ForbiddenError(
      `the role ${roleArn} may not be assumed by secretm (${service.code}): let secretm's role assume it in the role's trust policy (sts:AssumeRole), with the right external id`,
      { cause: error },
    );
  }
  if (service && service.status !== undefined && service.status >= 400 && service.status < 500) {
    return new ValidationError(`STS refused to assume ${roleArn} (${service.code}): ${service.message}`, {
      cause: error,
    });
  }
  return mapError(error, { where, timeoutMs });
}
