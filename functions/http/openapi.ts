/** The OpenAPI 3.1 document, generated from the route table and its zod schemas. */
import * as z from 'zod';
import type { Route } from './route.ts';

const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parametersOf(route: Route): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = schemaOf(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
        ...(typeof property.description === 'string' ? { description: property.description } : {}),
      });
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  if (route.method !== 'GET' && route.method !== 'DELETE') {
    if (route.idempotent) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 255 },
      });
    }
  }
  if (route.params && route.scope === 'write') {
    parameters.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'The version the change expects, e.g. "3"; a stale one is answered 412',
      schema: { type: 'string' },
    });
  }
  return parameters;
}

const errorStatuses: Record<number, string> = {
  400: 'Invalid request',
  401: 'Missing or invalid credentials',
  403: 'Missing scope',
  404: 'Not found (or another tenant’s)',
  409: 'Conflict',
  412: 'Stale If-Match',
  413: 'Value too large',
  422: 'Idempotency-Key reused with another request',
  503: 'A vault or the audit log is unavailable',
};

export function openApiDocument(routes: Route[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      responses[status] = {
        description: doc.description,
        ...(doc.schema
          ? {
              content: {
                [doc.contentType ?? 'application/json']: { schema: schemaOf(doc.schema, 'output') },
              },
            }
          : {}),
      };
    }
    for (const [status, description] of Object.entries(errorStatuses)) {
      if (route.scope === null && (status === '401' || status === '403')) continue;
      responses[status] = {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.family],
      ...(route.scope ? { security: [{ apiKey: [] }], 'x-secretm-scope': route.scope } : { security: [] }),
      parameters: parametersOf(route),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'secretm',
      version: '1.0.0',
      description: 'Secrets in your own vaults, with metadata, history and audit.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // Relative to the document: whichever deployment (or local mode) serves it serves the API too.
    servers: [{ url: '/', description: 'The secretm deployment that serves this document' }],
    paths,
    components: {
      schemas: { Error: schemaOf(errorSchema, 'output') },
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key, or a JWT where the deployment uses a JWT authorizer',
        },
      },
    },
  };
}
