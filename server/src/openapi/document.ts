import { z } from 'zod';
import { sessionCookie } from '../auth/middleware.ts';
import { errorBodySchema } from '../schemas/error.ts';
import { type Auth, type ErrorStatus, errorStatuses, type RouteSpec } from './spec.ts';

type JsonSchema = Record<string, unknown>;
type Meta = { id: string };

const securityFor: Record<Auth, Record<string, string[]>[]> = {
  none: [],
  admin: [{ adminToken: [] }, { session: [] }],
  ingest: [{ ingestKey: [] }, { ingestKeyHeader: [] }],
  sentry: [{ sentryKey: [] }, { sentryAuth: [] }],
};

const errorNames: Record<ErrorStatus, string> = {
  400: 'ValidationError',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'RateLimited',
  500: 'InternalError',
  503: 'Unavailable',
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function operationId(route: RouteSpec): string {
  const words = route.path
    .replace(/^\/api\/v1\//, '/')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [route.method, ...words].map((word, i) => (i === 0 ? word : word[0].toUpperCase() + word.slice(1))).join('');
}

/** Drops the keys that make a JSON Schema a standalone document; OpenAPI embeds it. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function fieldsOf(object: z.ZodObject, location: 'path' | 'query') {
  return Object.entries(object.shape).map(([name, field]) => {
    const schema = field as z.ZodType;
    const required = location === 'path' || !schema.safeParse(undefined).success;
    const json = embedded(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
    const { description, ...rest } = json;
    return { name, in: location, required, schema: rest, ...(description ? { description } : {}) };
  });
}

/**
 * Builds the OpenAPI 3.1 document from route specs whose bodies, parameters and answers
 * are the zod schemas the routes validate with. Request schemas are rendered as their
 * input (what a client sends), answers as their output. `named` schemas become components
 * under those names (and `$ref`s wherever they are nested); the others are named after the route.
 */
export function buildOpenApiDocument(
  routes: RouteSpec[],
  named: { inputs: Record<string, z.ZodType>; outputs: Record<string, z.ZodType> },
  info: { title: string; version: string; description?: string },
) {
  const inputs = z.registry<Meta>();
  const outputs = z.registry<Meta>();
  outputs.add(errorBodySchema, { id: 'Error' });

  for (const [id, schema] of Object.entries(named.inputs)) inputs.add(schema, { id });
  for (const [id, schema] of Object.entries(named.outputs)) outputs.add(schema, { id });

  const name = (registry: typeof inputs, schema: z.ZodType, fallback: string): string => {
    const existing = registry.get(schema)?.id;
    if (existing) return existing;
    registry.add(schema, { id: fallback });
    return fallback;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method.toUpperCase()} ${route.path}`;
    if (seen.has(key)) throw new Error(`OpenAPI: ${key} is listed twice`);
    seen.add(key);
    const id = operationId(route);
    const typeName = id[0].toUpperCase() + id.slice(1);
    const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const declared = Object.keys(route.params?.shape ?? {});
    if (pathParams.join() !== declared.join()) {
      throw new Error(`OpenAPI: ${key} declares path parameters [${declared}] but its path has [${pathParams}]`);
    }

    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(route.responses)) {
      const content: Record<string, { schema: unknown }> = {};
      if (answer.schema) content['application/json'] = { schema: ref(name(outputs, answer.schema, `${typeName}Response${status}`)) };
      for (const [type, schema] of Object.entries(answer.content ?? {})) {
        content[type] = { schema: embedded(z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema) };
      }
      responses[status] = {
        description: answer.description,
        ...(answer.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(answer.headers).map(([header, description]) => [header, { description, schema: { type: 'string' } }]),
              ),
            }
          : {}),
        ...(Object.keys(content).length ? { content } : {}),
      };
    }
    // Any credentialed call may meet the auth-failure brake (429); a state-changing admin call
    // authenticated by the session cookie must come from the dashboard's origin (403).
    const implied: ErrorStatus[] = [500];
    if (route.auth !== 'none') implied.push(429);
    if (route.auth === 'admin' && route.method !== 'get') implied.push(403);
    const errors = [...new Set<ErrorStatus>([...route.errors, ...implied])].sort((a, b) => a - b);
    for (const status of errors) responses[String(status)] = { $ref: `#/components/responses/${errorNames[status]}` };

    let requestBody: unknown;
    if (route.body) {
      const contentType = route.body.contentType ?? 'application/json';
      const schema =
        contentType === 'application/json'
          ? ref(name(inputs, route.body.schema, `${typeName}Body`))
          : embedded(z.toJSONSchema(route.body.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
      requestBody = {
        required: true,
        ...('description' in route.body ? { description: route.body.description } : {}),
        content: { [contentType]: { schema } },
      };
    }

    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      operationId: id,
      summary: route.summary,
      tags: [route.tag],
      security: securityFor[route.auth],
      ...(route.params || route.query
        ? {
            parameters: [
              ...(route.params ? fieldsOf(route.params, 'path') : []),
              ...(route.query ? fieldsOf(route.query, 'query') : []),
            ],
          }
        : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }

  const uri = (id: string) => `#/components/schemas/${id}`;
  const inputSchemas = z.toJSONSchema(inputs, { io: 'input', uri, unrepresentable: 'any' }).schemas;
  const outputSchemas = z.toJSONSchema(outputs, { io: 'output', uri, unrepresentable: 'any' }).schemas;
  for (const id of Object.keys(inputSchemas)) {
    if (id in outputSchemas) throw new Error(`OpenAPI: schema ${id} is both a request and a response; give one of them another id`);
  }
  const schemas = Object.fromEntries(
    Object.entries({ ...inputSchemas, ...outputSchemas }).map(([id, schema]) => [id, embedded(schema as JsonSchema)]),
  );

  const errorResponses = Object.fromEntries(
    (Object.keys(errorStatuses).map(Number) as ErrorStatus[]).map((status) => [
      errorNames[status],
      {
        description: errorStatuses[status],
        ...(status === 429 || status === 503
          ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string' } } } }
          : {}),
        content: { 'application/json': { schema: ref('Error') } },
      },
    ]),
  );

  return {
    openapi: '3.1.0',
    info,
    tags: [...new Set(routes.map((route) => route.tag))].map((tag) => ({ name: tag })),
    paths,
    components: {
      schemas,
      responses: errorResponses,
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token (LOG_CENTER_ADMIN_TOKEN)' },
        session: { type: 'apiKey', in: 'cookie', name: sessionCookie, description: 'Dashboard session from POST /api/v1/session' },
        ingestKey: { type: 'http', scheme: 'bearer', description: 'A 32-hex ingest key' },
        ingestKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        sentryKey: { type: 'apiKey', in: 'query', name: 'sentry_key', description: 'The key of the DSN' },
        sentryAuth: { type: 'apiKey', in: 'header', name: 'X-Sentry-Auth', description: 'Sentry sentry_key=… header' },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
