import fp from 'fastify-plugin'
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import type { FastifyInstance } from 'fastify'
import { SERVICE_VERSION } from '../version.js'
import { COMPONENT_REF, protocolComponents } from '../schemas/protocol.js'
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
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      // A JSON Schema that zod wrote, which the OpenAPI typings cannot follow.
      webhooks: webhooks.webhooks as Extract<NonNullable<FastifyDynamicSwaggerOptions['openapi']>, { webhooks?: unknown }>['webhooks']
    },
    transform: (input) => {
      const out = jsonSchemaTransform(input)
      out.schema = linkComponents(out.schema) as typeof out.schema
      const access = input.route.config?.access
      if (access !== undefined && access !== 'public') {
        const roles = access.roles.join(', ')
        const scope = access.records === 'participants'
          ? 'Participant-level records: edc and investigator tokens reach their own sites only (another site\'s record is 404); the DMC only where the protocol sets dmcUnblinded.'
          : undefined
        const fresh = access.freshAuthSeconds === undefined ? undefined : `Needs a token issued in the last ${access.freshAuthSeconds / 60} minutes.`
        out.schema = {
          ...out.schema,
          security: [{ bearerAuth: [] }],
          description: [out.schema.description, `Roles: ${roles}.`, scope, fresh].filter(Boolean).join('\n\n')
        }
      }
      return out
    },
    transformObject: (input) => {
      const document = jsonSchemaTransformObject(input) as { components?: { schemas?: Record<string, unknown> } }
      const schemas = linkComponents(document.components?.schemas ?? {}) as Record<string, unknown>
      return { ...document, components: { ...document.components, schemas: { ...schemas, ...protocolComponents(), ...webhooks.components } } } as ReturnType<typeof jsonSchemaTransformObject>
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

export const openapiPlugin = fp(openapi, { name: 'openapi', fastify: '5.x' })
