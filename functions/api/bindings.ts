/** Bindings (a service's names → stored secrets and keys) and templates rendered with secrets. */
import * as z from 'zod';
import {
  bindingListResponse,
  bindingResponse,
  listBindingsQuery,
  putBindingBody,
  resolvedResponse,
  resolveQuery,
  serviceName,
} from '../../shared/bindings/binding-schemas.ts';
import type { BindingRecord } from '../../shared/bindings/binding-types.ts';
import { kubernetesManifest } from '../../shared/bindings/kubernetes.ts';
import { ValidationError } from '../../shared/errors.ts';
import { formatDotenv } from '../../shared/secrets/dotenv.ts';
import { templateLimits } from '../../shared/templates/render.ts';
import { etag } from '../http/request-headers.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import type { FamilyDependencies } from '../services/tenant-context.ts';

const family = 'bindings' as const;
/** What the bindings family's handlers get (functions/handlers/bindings.ts builds it). */
export type BindingsDependencies = FamilyDependencies<'bindings' | 'render'>;
const route = routesOf<BindingsDependencies>();
const serviceParams = z.strictObject({ service: serviceName });
const noStore = { 'cache-control': 'no-store' };

function bindingView(record: BindingRecord) {
  return {
    service: record.service,
    entries: record.entries,
    ...(record.description ? { description: record.description } : {}),
    version: record.version,
    updatedAt: record.updatedAt,
  };
}

export const bindingRoutes: Route<unknown, unknown, unknown, BindingsDependencies>[] = [
  route<undefined, z.output<typeof listBindingsQuery>>({
    method: 'GET',
    path: '/v1/bindings',
    scope: 'read',
    family,
    operationId: 'listBindings',
    summary:
      'List the tenant’s bindings by service name, a page at a time (names and entry counts, no values)',
    auditAction: 'binding.list',
    query: listBindingsQuery,
    responses: { 200: { description: 'A page of bindings', schema: bindingListResponse } },
    handler: async ({ query, ctx }, { bindings }) => {
      const page = await bindings.list(ctx, query);
      return json(200, {
        items: page.items.map((binding) => ({
          service: binding.service,
          entryCount: binding.secrets.length,
          ...(binding.description ? { description: binding.description } : {}),
          version: binding.version,
          updatedAt: binding.updatedAt,
        })),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      });
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/bindings/{service}',
    scope: 'admin',
    family,
    operationId: 'putBinding',
    summary: 'Declare the names a service needs and the secrets and keys they map to',
    auditAction: 'binding.put',
    params: serviceParams,
    body: putBindingBody,
    responses: { 200: { description: 'The binding', schema: bindingResponse } },
    handler: async ({ params, body, ctx, expectedVersion }, { bindings }) => {
      const saved = await bindings.put(ctx, params.service, body, expectedVersion);
      return json(200, bindingView(saved), { etag: etag(saved.version) });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/bindings/{service}',
    scope: 'read',
    family,
    operationId: 'getBinding',
    summary: 'Get a binding (names and references, no values)',
    auditAction: 'binding.describe',
    params: serviceParams,
    responses: { 200: { description: 'The binding', schema: bindingResponse } },
    handler: async ({ params, ctx }, { bindings }) => {
      const found = await bindings.get(ctx, params.service);
      return json(200, bindingView(found), { etag: etag(found.version) });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/bindings/{service}/resolve',
    scope: 'reveal',
    family,
    operationId: 'resolveBinding',
    summary:
      'A service’s ready environment and files; as JSON, dotenv, or a Kubernetes Secret with its env and volume snippets',
    auditAction: 'binding.resolve',
    params: serviceParams,
    query: resolveQuery,
    responses: { 200: { description: 'The resolved binding', schema: resolvedResponse } },
    handler: async ({ params, query, ctx }, { bindings }) => {
      const resolved = await bindings.resolve(ctx, params.service);
      if (query.format === 'dotenv') {
        if (resolved.files.length > 0)
          throw new ValidationError('this binding has files; dotenv holds variables only');
        return { statusCode: 200, headers: noStore, text: formatDotenv(resolved.env) };
      }
      if (query.format === 'kubernetes') return json(200, kubernetesManifest(resolved), noStore);
      return json(200, resolved, noStore);
    },
  }),
  route({
    method: 'POST',
    path: '/v1/render',
    scope: 'reveal',
    family,
    operationId: 'renderTemplate',
    summary: 'Render a template whose {{secrets.NAME.KEY}} references are filled in with secret values',
    auditAction: 'template.render',
    body: z.strictObject({
      template: z
        .string()
        .describe(`At most ${templateLimits.maxBytes} bytes and ${templateLimits.maxReferences} references`),
    }),
    responses: { 200: { description: 'The rendered text', schema: z.object({ rendered: z.string() }) } },
    handler: async ({ body, ctx }, { render }) =>
      json(200, { rendered: await render.render(ctx, body.template) }, noStore),
  }),
];
