// The five trials the service is seeded with, each translated from its public
// registry record in /work/shared/trials/. A value a record states is quoted
// beside it (comments, a stopping rule's source); every value it does not state
// is listed in protocol.assumptions with its JSON Pointer.
import type { ProtocolInput } from '../../src/domain/protocol.js'
import nct03123458 from './NCT03123458.js'
import nct06321198 from './NCT06321198.js'
import nct06813157 from './NCT06813157.js'
import nct07101484 from './NCT07101484.js'
import nct07295067 from './NCT07295067.js'

/** A trial site; `timeZone` is the IANA zone its calendar days (DLT windows, study days) are counted in. */
export interface SeedSite { siteId: string, name: string, timeZone: string }

/** the body of POST /v1/trials, and the note an existing trial is amended with when the protocol changed */
export interface TrialSeed {
  trialId: string
  title: string
  /** ClinicalTrials.gov phase code ('PHASE1', 'NA', ...); absent where the record gives none */
  phase?: string
  sites: SeedSite[]
  protocol: ProtocolInput
  /** what the latest change of this seed's protocol did: the amendment reason for databases holding an earlier one */
  revision?: string
}

export const trials: TrialSeed[] = [nct07295067, nct07101484, nct06321198, nct03123458, nct06813157]

export default trials
