// NCT06813157: Mesenchymal Stem Cells in the Treatment of Refractory Primary Immune Thrombocytopenia.
// Source: /work/shared/trials/NCT06813157.txt (trial-finder page, dated 28 August 2025).
// The record states a single-arm, single-centre study of five MSC infusions at one dose; it gives
// no site name, DLT definition or stopping rule.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT06813157', // 'Study details ... NCT06813157'
  title: 'Mesenchymal Stem Cells in the Treatment of Refractory Primary Immune Thrombocytopenia', // page title
  phase: 'NA', // 'Phase N/A'
  sites: [
    // Overview: 'single-center'; the centre is not named. ASSUMPTION: one site under a neutral id.
    { siteId: 'site-01', name: 'Single study centre (not named in the record; sponsor Guangzhou Bio-gene Technology Co., Ltd)' }
  ],
  protocol: {
    // Overview: 'a dose of 1 × 108/kg mesenchymal stem cells per time' (1×10^8 cells/kg; the exponent lost its superscript)
    doseLevels: [
      { level: 1, label: '1e8 cells/kg', dose: { value: 1e8, unit: 'cells/kg' } }
    ],
    // No arms: Overview: 'single-arm'.
    dltDefinition: {
      // Overview: '5 times of mesenchymal stem cell infusion ... 1 week between the first infusion and the second
      // infusion ... the 3rd, 4th and 5th infusion were all 2 weeks apart', safety assessed at 'D14' after treatment.
      // ASSUMPTION (no DLT definition in the record): a 14-day window after each infusion, which covers each
      // dosing interval and ends at the D14 visit after the fifth infusion.
      windowDays: 14,
      windowStart: 'each_administration',
      // ASSUMPTION: the conventional CTCAE grade >= 3, at least possibly related.
      minGrade: 3,
      attributions: ['possible', 'probable', 'definite']
    },
    // Overview: 'single-arm, single-center, multiple administration'; one dose, no escalation.
    design: { type: 'none' },
    stoppingRules: [
      // ASSUMPTION (no stopping rule in the record): any death at least possibly related halts the trial.
      { type: 'grade5_related', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' },
      // ASSUMPTION: Bayesian safety monitoring over the trial, Beta(1, 1) prior: halt when Pr(DLT rate > 33%)
      // exceeds 0.95 with at least 3 evaluable.
      {
        type: 'posterior_toxicity_above',
        theta: 0.33,
        cutoff: 0.95,
        prior: { a: 1, b: 1 },
        minEvaluable: 3,
        scope: 'trial',
        action: 'halt_trial'
      }
    ]
  }
}

export default trial
