import { readFileSync } from 'node:fs'

/** The service version from package.json, recorded in every decision it computes. */
export const SERVICE_VERSION: string = (JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8')
) as { version: string }).version
