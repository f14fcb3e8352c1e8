// NCT03123458: Clonal Fetal Mesenchymal Stem Cells (cfMSCs) for the Control of Immune-related Disorders.
// Source: /work/shared/trials/NCT03123458.txt (ClinicalTrials.gov record excerpt, status verified 2025-09).
// The excerpt gives the title, sponsor, aims and status only: no phase, arms, doses, enrolment,
// sites, DLT definition or stopping rules. Every value of the protocol is listed in protocol.assumptions.
import type { TrialSeed } from './index.js'
import { CHINA, RELATED } from './shared.js'

const trial: TrialSeed = {
  trialId: 'NCT03123458', // 'Study NCT ID: NCT03123458'
  title: 'Clonal Fetal Mesenchymal Stem Cells (cfMSCs) for the Control of Immune-related Disorders', // 'Brief Title'
  // No phase: the excerpt states none.
  sites: [
    // ASSUMPTION (sites are not part of the protocol document): no location in the excerpt; one site, the
    // sponsor 'Shenzhen Geno-Immune Medical Institute', with the time zone of Shenzhen (shared.ts).
    { siteId: 'szgimi', name: 'Shenzhen Geno-Immune Medical Institute', timeZone: CHINA }
  ],
  revision: 'remodelled on the record (issue #16): rate rule 33% for review instead of the posterior rule, related-SAE review rule; still one level and no schedule, as the record states none',
  protocol: {
    // Detailed Description: 'infusion of various dosages of third party fMSCs': neither number, amounts nor order.
    doseLevels: [
      { level: 1, label: 'cfMSC infusion' }
    ],
    // No schedule: the excerpt states none.
    dltDefinition: {
      windowDays: 28,
      windowStart: 'first_administration',
      minGrade: 3,
      attributions: [...RELATED]
    },
    design: { type: 'none' },
    stoppingRules: [
      { type: 'grade5_related', attributions: [...RELATED], action: 'halt_trial' },
      { type: 'related_sae', attributions: [...RELATED], action: 'pause_for_review' },
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'trial', action: 'pause_for_review' }
    ],
    assumptions: [
      {
        path: '/doseLevels',
        statement: 'One investigational level stands for the cfMSC infusion at the dose the investigator chooses; the "various dosages" are not dose levels.',
        rationale: 'The record names "various dosages" but states neither their number, amounts nor order: any split (low/high, or three levels) would be invented, and an escalation between invented levels would look like a plan the record does not have. The dose given is recorded with each administration.',
        source: 'infusion of various dosages of third party fMSCs'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: 'DLTs are counted for 28 days from the first infusion.',
        rationale: 'The record has no DLT definition and no schedule; 28 days is the conventional first-cycle window.'
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'The window runs from the first infusion; no planned schedule and no minimum exposure.',
        rationale: 'The record states no schedule: a course window or an exposure fraction would need one, and inventing it would make them fiction. Any infusion starts the window.'
      },
      {
        path: '/dltDefinition/minGrade',
        statement: 'A DLT is a CTCAE grade 3 or higher adverse event.',
        rationale: 'The conventional threshold; the record defines no DLT.'
      },
      {
        path: '/dltDefinition/attributions',
        statement: 'A DLT is at least possibly related to the cfMSCs.',
        rationale: 'The conventional attribution threshold; the record states none.'
      },
      {
        path: '/design',
        statement: 'No design drives enrolment; the stopping rules act.',
        rationale: 'The record describes no escalation rule.',
        source: 'to evaluate the safety and efficacy of infusion of the third party fully-characterized clonally derived fetal MSCs'
      },
      {
        path: '/stoppingRules/0',
        statement: 'A death at least possibly related to the cfMSCs halts the trial.',
        rationale: 'The record states no stopping rule and no DMC; a related death must stop dosing until reviewed.',
        source: 'Has Oversight DMC: None'
      },
      {
        path: '/stoppingRules/1',
        statement: 'A serious AE at least possibly related to the cfMSCs holds the trial until a safety review has seen it; with no DMC, the sponsor\'s safety review takes the DMC decision.',
        rationale: 'The record states no stopping rule and no DMC; a related SAE must be reviewed before the next participant is dosed.',
        source: 'Has Oversight DMC: None'
      },
      {
        path: '/stoppingRules/2',
        statement: 'More than 33% of the evaluable participants with a DLT, once 3 are evaluable, holds the trial for review: 1 of 3, 2 of 6 hold it, 1 of 4 does not.',
        rationale: 'The record states no stopping rule and no enrolment; 33% is the conventional early-phase boundary. It replaces the earlier seed\'s Pr(p > 0.33) > 0.95 rule, which let 2 of 3 go on.'
      }
    ]
  }
}

export default trial
