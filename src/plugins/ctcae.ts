// The CTCAE v5.0 dictionary, built once at start and decorated on the app
// (app.ctcae), with NCI's grade text when the user imported it into
// DATA_DIR/ctcae-text.json (npm run ctcae:import).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { z } from 'zod'
import type { FastifyInstance } from 'fastify'
import { createCtcaeDictionary, type CtcaeDictionary } from '../domain/ctcae.js'
import { CTCAE_TEXT_FILE, CTCAE_V5_ENTRIES, type CtcaeTextMap } from '../ctcae/text.js'

export interface Ctcae {
  dictionary: CtcaeDictionary
  /** NCI's text by MedDRA code; null when not imported */
  text: CtcaeTextMap | null
}

declare module 'fastify' {
  interface FastifyInstance {
    ctcae: Ctcae
  }
}

const textFileSchema = z.record(z.string(), z.object({
  definition: z.string().nullable(),
  grades: z.record(z.string(), z.string())
}))

/** Reads DATA_DIR/ctcae-text.json if present; a file that is there but unreadable stops the start with its path named. */
export function loadCtcaeText (dataDir: string): CtcaeTextMap | null {
  const path = join(dataDir, CTCAE_TEXT_FILE)
  if (!existsSync(path)) return null
  const parsed = textFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
  if (!parsed.success) throw new Error(`${path} is not a CTCAE text file written by npm run ctcae:import: ${parsed.error.issues[0]!.message}`)
  return parsed.data
}

async function ctcae (app: FastifyInstance): Promise<void> {
  app.decorate('ctcae', { dictionary: createCtcaeDictionary(CTCAE_V5_ENTRIES), text: loadCtcaeText(app.config.DATA_DIR) })
}

export const ctcaePlugin = fp(ctcae, { name: 'ctcae', fastify: '5.x' })
