import fastJson from 'fast-json-stringify'
import { z } from 'zod'
import type { FastifySerializerCompiler } from 'fastify/types/schema.js'

/**
 * Response serialization compiled from the routes' zod output schemas: each
 * schema becomes JSON Schema once, at startup, and fast-json-stringify turns
 * that into a dedicated serializer, which writes only the declared fields (no
 * field outside the schema can leak) and fails on a missing required one. Zod
 * parsing every response on the hot path cost more than the rest of a status read.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  // An empty registry: shared schemas are inlined rather than referenced by id.
  const json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any', metadata: z.registry() })
  return fastJson(json as Parameters<typeof fastJson>[0])
}
