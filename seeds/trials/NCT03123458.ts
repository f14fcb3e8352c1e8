// NCT03123458: Clonal Fetal Mesenchymal Stem Cells (cfMSCs) for the Control of Immune-related Disorders.
// Source: /work/shared/trials/NCT03123458.txt (ClinicalTrials.gov record excerpt, status verified 2025-09).
// The excerpt gives the title, sponsor, aims and status only: no phase, arms, doses, enrolment,
// sites, DLT definition or stopping rules. Every value of the protocol is listed in protocol.assumptions.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT03123458', // 'Study NCT ID: NCT03123458'
  title: 'Clonal Fetal Mesenchymal Stem Cells (cfMSCs) for the Control of Immune-related Disorders', // 'Brief Title'
  // No phase: the excerpt states none.
  sites: [
    // ASSUMPTION (sites are not part of the protocol document): no location in the excerpt; one site, the
    // sponsor 'Shenzhen Geno-Immune Medical Institute'.
    { siteId: 'szgimi', name: 'Shenzhen Geno-Immune Medical Institute' }
  ],
  revision: 'values the record does not state listed as assumptions; stopping rules quote the record',
  protocol: {
    doseLevels: [
      { level: 1, label: 'cfMSC infusion' }
    ],
    dltDefinition: {
      windowDays: 28,
      windowStart: 'first_administration',
      minGrade: 3,
      attributions: ['possible', 'probable', 'definite']
    },
    design: { type: 'none' },
    stoppingRules: [
      { type: 'grade5_related', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' },
      { type: 'posterior_toxicity_above', theta: 0.33, cutoff: 0.95, prior: { a: 1, b: 1 }, minEvaluable: 3, scope: 'trial', action: 'halt_trial' }
    ],
    assumptions: [
      {
        path: '/doseLevels',
        statement: 'One investigational level stands for the cfMSC infusion at the dose the investigator chooses.',
        rationale: 'The record names "various dosages" but states neither their number, amounts nor order, so there is nothing to escalate between.',
        source: 'infusion of various dosages of third party fMSCs'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: 'DLTs are counted for 28 days from the first infusion.',
        rationale: 'The record has no DLT definition and no schedule; 28 days is the conventional first-cycle window.'
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'The window runs from the first infusion.',
        rationale: 'The record states no schedule.'
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
        rationale: 'The record states no stopping rule and no DMC ("Has Oversight DMC: None"); a related death must stop dosing until reviewed.'
      },
      {
        path: '/stoppingRules/1',
        statement: 'Over the trial, Beta(1, 1) prior: halt when Pr(DLT rate > 33%) exceeds 0.95 with at least 3 evaluable.',
        rationale: 'The record states no stopping rule and no enrolment; 33% is the conventional boundary of early-phase safety.'
      }
    ]
  }
}

export default trial
