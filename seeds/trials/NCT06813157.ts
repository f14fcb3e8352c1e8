// NCT06813157: Mesenchymal Stem Cells in the Treatment of Refractory Primary Immune Thrombocytopenia.
// Source: /work/shared/trials/NCT06813157.txt (trial-finder page, dated 28 August 2025).
// The record states a single-arm, single-centre study of five MSC infusions at one dose; it gives
// no site name, DLT definition or stopping rule: those values are listed in protocol.assumptions.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT06813157', // 'Study details ... NCT06813157'
  title: 'Mesenchymal Stem Cells in the Treatment of Refractory Primary Immune Thrombocytopenia', // page title
  phase: 'NA', // 'Phase N/A'
  sites: [
    // Overview: 'single-center'; the centre is not named. ASSUMPTION (sites are not part of the protocol
    // document): one site under a neutral id.
    { siteId: 'site-01', name: 'Single study centre (not named in the record; sponsor Guangzhou Bio-gene Technology Co., Ltd)' }
  ],
  revision: 'values the record does not state listed as assumptions; stopping rules quote the record',
  protocol: {
    // Overview: 'a dose of 1 × 108/kg mesenchymal stem cells per time'
    doseLevels: [
      { level: 1, label: '1e8 cells/kg', dose: { value: 1e8, unit: 'cells/kg' } }
    ],
    // No arms: Overview: 'single-arm'.
    dltDefinition: {
      windowDays: 14,
      windowStart: 'each_administration',
      minGrade: 3,
      attributions: ['possible', 'probable', 'definite']
    },
    // Overview: 'single-arm, single-center, multiple administration'; one dose, no escalation.
    design: { type: 'none' },
    stoppingRules: [
      { type: 'grade5_related', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' },
      { type: 'posterior_toxicity_above', theta: 0.33, cutoff: 0.95, prior: { a: 1, b: 1 }, minEvaluable: 3, scope: 'trial', action: 'halt_trial' }
    ],
    assumptions: [
      {
        path: '/doseLevels/0/dose/value',
        statement: '"1 × 108/kg" is 1×10^8 cells/kg per infusion.',
        rationale: 'The record lost the superscript of the exponent; 10^8 cells/kg is within the MSC doses given intravenously, 108 cells/kg is not a dose.',
        source: 'with a dose of 1 × 108/kg mesenchymal stem cells per time'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: 'DLTs are counted for 14 days after each infusion.',
        rationale: 'The record has no DLT definition; 14 days covers each dosing interval and ends at the D14 visit after the fifth infusion.',
        source: '5 times of mesenchymal stem cell infusion ... 1 week between the first infusion and the second infusion ... the 3rd, 4th and 5th infusion were all 2 weeks apart ... D14'
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'A window opens at each infusion.',
        rationale: 'Five infusions over 7 weeks: a window from the first alone would miss the later ones.'
      },
      {
        path: '/dltDefinition/minGrade',
        statement: 'A DLT is a CTCAE grade 3 or higher adverse event.',
        rationale: 'The conventional threshold; the record defines no DLT. Not yet excluded: platelet count decreased and bleeding, which refractory ITP causes itself (see the seeds plan).'
      },
      {
        path: '/dltDefinition/attributions',
        statement: 'A DLT is at least possibly related to the MSCs.',
        rationale: 'The conventional attribution threshold; the record states none.'
      },
      {
        path: '/design',
        statement: 'No design drives enrolment; the stopping rules act.',
        rationale: 'One dose, no escalation in the record.',
        source: 'single-arm, single-center, multiple administration'
      },
      {
        path: '/stoppingRules/0',
        statement: 'A death at least possibly related to the MSCs halts the trial.',
        rationale: 'The record states no stopping rule; a related death must stop dosing until reviewed.'
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
