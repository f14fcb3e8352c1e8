// The seed trials as first configured, before their records were re-read (test/fixtures/reference-trials.json),
// frozen: a plain 3+3 (NCT07295067: DLT window of 14 days from the first
// administration, no exposure or assessment requirement) and a parallel-arm
// trial with a level-0 control (NCT07101484, design 'none'), for the tests that
// exercise the engine on such protocols. The seeds themselves follow their
// records (seeds/trials/*.ts) and move on; a database holding these gets the
// current seeds as an amendment (test/seeds/load.test.ts).
import { readFileSync } from 'node:fs'
import type { TrialSeed } from '../../seeds/trials/index.js'

export const referenceTrials = JSON.parse(readFileSync(new URL('../fixtures/reference-trials.json', import.meta.url), 'utf8')) as TrialSeed[]

const seed = (trialId: string): TrialSeed => referenceTrials.find((s) => s.trialId === trialId)!

export const nct07295067 = seed('NCT07295067')
export const nct07101484 = seed('NCT07101484')
