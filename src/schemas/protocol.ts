// The protocol document in the API. Requests validate it with parseProtocol
// (one 422 listing every problem by its JSON Pointer under /protocol), so the
// route schemas accept any object (`protocolDocument`) and the OpenAPI document
// shows, in its place, the Protocol component: the domain's own zod schema in
// its input shape (defaults optional), each part a named component, with every
// seed trial's protocol as an example. Responses carry the document as written,
// which is the same shape.
import { z } from 'zod'
import { protocolSchema } from '../domain/protocol.js'
import { trials } from '../../seeds/trials/index.js'

/** the key that marks, in a route's JSON Schema, a node the OpenAPI document replaces by a component reference */
export const COMPONENT_REF = 'x-component-ref'

export const protocolDocument = z.record(z.string(), z.unknown())
  .meta({ [COMPONENT_REF]: 'Protocol' })
  .describe('The protocol document (contract: "Protocol document"). Validated in full: a 422 lists every problem with its JSON path under /protocol.')

// '3+3' -> '3plus3', 'dlt_rate_above' -> 'DltRateAbove': component names allow [A-Za-z0-9._-] only.
const pascal = (s: string) => s.replace(/\+/g, 'plus').split(/[_-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')

type JsonSchema = Record<string, unknown>

const ref = (id: string) => `#/components/schemas/${id}`

// Each part of the protocol under its component name, reached through the
// domain schema itself so a new part or variant is named here by its `type`;
// `unions` maps each `type` to its variant (OpenAPI's discriminator, for client generators).
function protocolRegistry (): { registry: z.core.$ZodRegistry<{ id: string }>, unions: Record<string, Record<string, string>> } {
  const registry = z.registry<{ id: string }>()
  const unions: Record<string, Record<string, string>> = { Design: {}, StoppingRule: {} }
  const variant = (union: 'Design' | 'StoppingRule', schema: z.ZodObject<{ type: z.ZodLiteral<string> }>) => {
    const id = `${union}${pascal(schema.shape.type.value)}`
    registry.add(schema, { id })
    unions[union]![schema.shape.type.value] = ref(id)
  }
  const { doseLevels, arms, dltDefinition, design, stoppingRules } = protocolSchema.shape
  const criteria = dltDefinition.shape.alwaysDlt.unwrap().element
  registry.add(protocolSchema, { id: 'Protocol' })
  registry.add(doseLevels.element, { id: 'DoseLevel' })
  registry.add(arms.unwrap().element, { id: 'Arm' })
  registry.add(dltDefinition, { id: 'DltDefinition' })
  registry.add(criteria, { id: 'DltCriteria' })
  registry.add(criteria.shape.withConcurrent.unwrap(), { id: 'ConcurrentAe' })
  registry.add(design, { id: 'Design' })
  for (const schema of design.options) variant('Design', schema)
  registry.add(design.options[0].shape.sentinel.unwrap(), { id: 'Sentinel' })
  const rule = stoppingRules.in.element
  registry.add(rule, { id: 'StoppingRule' })
  for (const schema of rule.options) variant('StoppingRule', schema)
  return { registry, unions }
}

/** The Protocol component and its parts, as OpenAPI 3.1 (JSON Schema 2020-12) components. */
export function protocolComponents (): Record<string, JsonSchema> {
  const { registry, unions } = protocolRegistry()
  const { schemas } = z.toJSONSchema(registry, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any', uri: ref })
  const components = Object.fromEntries(Object.entries(schemas).map(([id, schema]) => {
    const { $schema: _, $id: __, ...rest } = schema as JsonSchema
    return [id, rest]
  }))
  for (const [id, mapping] of Object.entries(unions)) components[id]!.discriminator = { propertyName: 'type', mapping }
  components.Protocol!.examples = trials.map((t) => t.protocol)
  return components
}
