// NCT03123458: Clonal Fetal Mesenchymal Stem Cells (cfMSCs) for the Control of Immune-related Disorders.
// Source: /work/shared/trials/NCT03123458.txt (ClinicalTrials.gov record excerpt, status verified 2025-09).
// The excerpt gives the title, sponsor, aims and status only: no phase, arms, doses, enrolment,
// sites, DLT definition or stopping rules. Everything in the protocol below is an ASSUMPTION
// except what the comments quote.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT03123458', // 'Study NCT ID: NCT03123458'
  title: 'Clonal Fetal Mesenchymal Stem Cells (cfMSCs) for the Control of Immune-related Disorders', // 'Brief Title'
  // No phase: the excerpt states none.
  sites: [
    // ASSUMPTION: no location in the excerpt; one site, the sponsor 'Shenzhen Geno-Immune Medical Institute'.
    { siteId: 'szgimi', name: 'Shenzhen Geno-Immune Medical Institute' }
  ],
  protocol: {
    // Detailed Description: 'infusion of various dosages of third party fMSCs'. ASSUMPTION: the dosages are not
    // stated, so one investigational level stands for the cfMSC infusion at the dose the investigator chooses.
    doseLevels: [
      { level: 1, label: 'cfMSC infusion' }
    ],
    dltDefinition: {
      // ASSUMPTION: 28 days from the first infusion, CTCAE grade >= 3, at least possibly related.
      windowDays: 28,
      windowStart: 'first_administration',
      minGrade: 3,
      attributions: ['possible', 'probable', 'definite']
    },
    // ASSUMPTION: the excerpt describes no escalation ('evaluate the safety and efficacy of infusion'), so no
    // design drives enrolment; the stopping rules below act.
    design: { type: 'none' },
    stoppingRules: [
      // ASSUMPTION: any death at least possibly related halts the trial.
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
