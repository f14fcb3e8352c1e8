import fp from 'fastify-plugin'
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { SERVICE_VERSION } from '../version.js'
import { COMPONENT_REF, protocolComponents } from '../schemas/protocol.js'
import { ALL_HEADERS, PROBLEM_MEDIA_TYPE, responseHeaders, type Sent } from '../http/openapi-truth.js'
import { problemSchema } from '../http/problem.js'
import { z } from 'zod'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the headers the route sets on its successes, for the OpenAPI document (src/http/openapi-truth.ts) */
    sends?: readonly Sent[]
  }
}
import { webhooksDocument } from '../schemas/webhooks.js'

const description = `Adverse-event capture graded by CTCAE v5.0, dose-limiting-toxicity (DLT)
classification against each trial's protocol, and server-side dose-escalation and
stopping-rule decisions for early-phase clinical trials.

Every error is RFC 9457 \`application/problem+json\`. Authentication is a bearer JWT
whose \`role\` claim is one of edc, investigator, safety_monitor, dmc, admin.`

async function openapi (app: FastifyInstance): Promise<void> {
  const webhooks = webhooksDocument()
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'DLT safety backend', version: SERVICE_VERSION, description, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
      // The document is served by the instance it describes; this is the embedded default's address.
      servers: [{ url: 'http://{host}:{port}', description: 'A DLT safety backend instance', variables: { host: { default: '127.0.0.1' }, port: { default: '3000' } } }],
      security: [{ bearerAuth: [] }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      // A JSON Schema that zod wrote, which the OpenAPI typings cannot follow.
      webhooks: webhooks.webhooks as Extract<NonNullable<FastifyDynamicSwaggerOptions['openapi']>, { webhooks?: unknown }>['webhooks']
    },
    transform: (input) => {
      const out = jsonSchemaTransform(input)
      out.schema = linkComponents(out.schema) as typeof out.schema
      const access = input.route.config?.access
      const authenticated = access !== undefined && access !== 'public'
      out.schema = { ...out.schema, ...documentResponses(out.schema, { authenticated, sends: input.route.config?.sends ?? [] }) }
      if (!authenticated) out.schema = { ...out.schema, security: [] }
      if (authenticated) {
        const roles = access.roles.join(', ')
        const scope = access.records === 'participants'
          ? 'Participant-level records: edc and investigator tokens reach their own sites only (another site\'s record is answered as one that does not exist); the DMC only where the protocol sets dmcUnblinded.'
          : undefined
        const fresh = access.freshAuthSeconds === undefined ? undefined : `Needs a token issued in the last ${access.freshAuthSeconds / 60} minutes.`
        out.schema = {
          ...out.schema,
          description: [out.schema.description, `Roles: ${roles}.`, scope, fresh].filter(Boolean).join('\n\n')
        }
      }
      return out
    },
    transformObject: (input) => {
      const document = jsonSchemaTransformObject(input) as { components?: { schemas?: Record<string, unknown> } }
      const schemas = linkComponents(document.components?.schemas ?? {}) as Record<string, unknown>
      const complete = { ...document, components: { ...document.components, schemas: { ...schemas, ...protocolComponents(), ...webhooks.components } } }
      return dropUnusedComponents(sharedHeaders(requireIfMatchWhere428(problemMediaType(complete)))) as ReturnType<typeof jsonSchemaTransformObject>
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true }
  }, async () => app.swagger())
}

// A schema node marked with COMPONENT_REF (a document validated by its own
// parser, such as the protocol) becomes a reference to that component.
function linkComponents (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(linkComponents)
  if (node === null || typeof node !== 'object') return node
  const { [COMPONENT_REF]: component, ...rest } = node as Record<string, unknown>
  if (typeof component === 'string') {
    return { $ref: `#/components/schemas/${component}`, ...(rest.description === undefined ? {} : { description: rest.description }) }
  }
  return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, linkComponents(value)]))
}

type Json = Record<string, unknown>
const entries = (node: unknown): [string, Json][] => Object.entries((node ?? {}) as Record<string, Json>)

const problemJson = (description: string) => z.toJSONSchema(problemSchema.describe(description), { target: 'draft-7' }) as Json
const databaseUnavailable = problemJson('The database is unreachable (an outage or a restart): retry after Retry-After')
const tooManyRequests = problemJson('Too many requests from this client address: retry after Retry-After')

/**
 * Each response's headers (src/http/openapi-truth.ts); a 503 on every route
 * that reaches the database (all but the open probes, which declare theirs);
 * a 429 on the open routes too (rate-limited per client address).
 */
function documentResponses (schema: FastifySchema, route: { authenticated: boolean, sends: readonly Sent[] }): Json {
  const response = { ...(schema.response as Record<string, Json> | undefined) }
  if (route.authenticated) response['503'] ??= databaseUnavailable
  response['429'] ??= tooManyRequests
  const idempotent = (schema.headers as { properties?: Json } | undefined)?.properties?.['idempotency-key'] !== undefined
  for (const [code, body] of Object.entries(response)) {
    // @fastify/swagger takes each header as a JSON schema with its description; requiredHeaders marks them.
    const headers = Object.entries(responseHeaders(code, { idempotent, sends: route.sends }))
      .map(([name, doc]) => [name, { ...doc.schema, description: doc.description }])
    response[code] = { ...body, headers: Object.fromEntries(headers) }
  }
  return { response }
}

const operations = (document: Json): Json[] =>
  entries(document.paths).flatMap(([, item]) => entries(item).map(([, operation]) => operation))

/** Error bodies are problem documents: their media type says so. */
function problemMediaType (document: Json): Json {
  for (const operation of operations(document)) {
    for (const [code, response] of entries(operation.responses)) {
      // A route's `produces` (CSV, FHIR) names its successes' media types: its errors are problem documents all the same.
      const body = Object.values((response.content ?? {}) as Json)[0]
      if ((Number(code) >= 400 || code === 'default') && body !== undefined) response.content = { [PROBLEM_MEDIA_TYPE]: body }
    }
  }
  return document
}

/** The response headers of src/http/openapi-truth.ts become shared components, each marked required where it always comes. */
function sharedHeaders (document: Json): Json {
  const components = document.components as Json
  components.headers = {}
  for (const operation of operations(document)) {
    for (const [, response] of entries(operation.responses)) {
      for (const [name] of entries(response.headers)) {
        const doc = ALL_HEADERS[name]
        if (doc === undefined) continue
        (components.headers as Json)[name] = { description: doc.description, schema: doc.schema, ...(doc.required === true ? { required: true } : {}) };
        (response.headers as Json)[name] = { $ref: `#/components/headers/${name}` }
      }
    }
  }
  return document
}

/** An operation that answers 428 without If-Match requires it. */
function requireIfMatchWhere428 (document: Json): Json {
  for (const operation of operations(document)) {
    if ((operation.responses as Json | undefined)?.['428'] === undefined) continue
    for (const parameter of (operation.parameters ?? []) as Json[]) {
      if (parameter.in === 'header' && parameter.name === 'if-match') parameter.required = true
    }
  }
  return document
}

/** The schema components no operation, webhook or other component refers to (zod's unused input twins). */
function dropUnusedComponents (document: Json): Json {
  const components = document.components as { schemas: Json }
  const used = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return }
    if (node === null || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length)
        if (!used.has(name)) { used.add(name); visit(components.schemas[name]) }
      } else visit(value)
    }
  }
  visit({ ...document, components: { ...components, schemas: {} } })
  components.schemas = Object.fromEntries(Object.entries(components.schemas).filter(([name]) => used.has(name)))
  return document
}

export const openapiPlugin = fp(openapi, { name: 'openapi', fastify: '5.x' })
