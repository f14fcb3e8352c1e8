import fastJson from 'fast-json-stringify'
import { z } from 'zod'
import type { FastifySerializerCompiler } from 'fastify/types/schema.js'

/**
 * Response serialization compiled from the routes' zod output schemas: each
 * schema becomes JSON Schema once, and fast-json-stringify turns that into a
 * dedicated serializer, which writes only the declared fields (no field
 * outside the schema can leak) and fails on a missing required one. Zod
 * parsing every response on the hot path cost more than the rest of a status read.
 * Compiled at a response's first use: compiling every route's responses up
 * front was a fifth of the start-up time.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  let serialize: ((doc: unknown) => string) | undefined
  return (doc) => {
    serialize ??= compile(schema)
    return serialize(doc)
  }
}

function compile (schema: z.ZodType): (doc: unknown) => string {
  // An empty registry: shared schemas are inlined rather than referenced by id.
  const json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any', metadata: z.registry() })
  return fastJson(collapseNullable(json) as Parameters<typeof fastJson>[0])
}

type Json = Record<string, unknown>

/**
 * zod writes a nullable number or object as `anyOf: [X, {type: 'null'}]`,
 * which fast-json-stringify serializes by validating each value against the
 * branches at run time; `type: [X's type, 'null']` says the same and is
 * written directly.
 */
function collapseNullable (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(collapseNullable)
  if (node === null || typeof node !== 'object') return node
  const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, collapseNullable(v)]))
  const branches = out.anyOf
  if (!Array.isArray(branches) || branches.length !== 2) return out
  const nullAt = branches.findIndex((b: Json) => b.type === 'null' && Object.keys(b).length === 1)
  const other = branches[1 - nullAt] as Json | undefined
  if (nullAt === -1 || typeof other?.type !== 'string') return out
  const { anyOf: _, ...rest } = out
  return { ...rest, ...other, type: [other.type, 'null'] }
}
