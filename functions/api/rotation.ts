/**
 * The rotation routes: settings and rotate-now. Thin handlers, one domain call each. They belong to
 * the `secrets` family (secrets.ts serves them), whose function already reaches the vaults.
 */
import {
  disableRotationQuery,
  rotationBody,
  rotationOutcomeResponse,
} from '../../shared/rotation/rotation-schemas.ts';
import { nameParams, secretMetadataResponse } from '../../shared/secrets/secret-schemas.ts';
import { etag } from '../http/request-headers.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import { metadataView } from './secret-views.ts';
import type { SecretsDependencies } from './secrets.ts';

const family = 'secrets' as const;
const route = routesOf<SecretsDependencies>();
const metadata = {
  description: 'The secret’s metadata, with its rotation settings',
  schema: secretMetadataResponse,
};

export const rotationRoutes: Route<unknown, unknown, unknown, SecretsDependencies>[] = [
  route({
    method: 'PUT',
    path: '/v1/secrets/{name}/rotation',
    scope: 'write',
    family,
    operationId: 'configureRotation',
    summary: 'Set the rotation schedule and strategy ({ enabled: false } turns rotation off)',
    auditAction: 'secret.rotation.configure',
    params: nameParams,
    body: rotationBody,
    responses: { 200: metadata },
    handler: async ({ params, body, ctx, expectedVersion }, { rotation }) => {
      const record = await rotation.configure(
        ctx,
        params.name,
        body,
        expectedVersion !== undefined ? { expectedVersion } : {},
      );
      return json(200, metadataView(record), { etag: etag(record.version) });
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/secrets/{name}/rotation',
    scope: 'write',
    family,
    operationId: 'disableRotation',
    summary:
      'Turn rotation off (the rotation status stays visible); discardPending=true also drops a pending rotation that cannot finish',
    auditAction: 'secret.rotation.disable',
    params: nameParams,
    query: disableRotationQuery,
    responses: { 200: metadata },
    handler: async ({ params, query, ctx, expectedVersion }, { rotation }) => {
      if (query.discardPending) {
        return json(200, metadataView(await rotation.discardPending(ctx, params.name)));
      }
      const record = await rotation.configure(
        ctx,
        params.name,
        { enabled: false },
        expectedVersion !== undefined ? { expectedVersion } : {},
      );
      return json(200, metadataView(record), { etag: etag(record.version) });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/secrets/{name}/rotate',
    scope: 'write',
    family,
    operationId: 'rotateSecret',
    summary:
      'Rotate now (or finish a pending rotation); a failed rotation answers the error and leaves the current value current',
    // No auditAction: the rotation service audits every attempt, failed ones included.
    params: nameParams,
    responses: { 200: { description: 'What the rotation did', schema: rotationOutcomeResponse } },
    handler: async ({ params, ctx, expectedVersion }, { rotation }) => {
      const outcome = await rotation.rotate(
        ctx,
        params.name,
        expectedVersion !== undefined ? { expectedVersion } : {},
      );
      return json(200, outcome, { etag: etag(outcome.version) });
    },
  }),
];
