// NCT06321198: iMesenchymal Stromal Cells (iMSC) in steroid-refractory acute GVHD.
// Source: /work/shared/trials/NCT06321198.txt (ClinicalTrials.Veeva page, data from ClinicalTrials.gov).
// The record states a single-centre, open-label dose escalation in 12 participants over four
// regimens; it gives no doses, no phase, no DLT definition, no escalation rule and no stopping rule.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT06321198', // Identifiers: 'NCT06321198'
  // page title
  title: 'A Trial to Evaluate the Safety and Preliminary Efficacy of iMesenchymal Stromal Cells(iMSC) in Subjects With SR-aGVHD',
  // No phase: the record states none (a dose escalation of safety and tolerability, yet the registry phase is not shown).
  sites: [
    // 'Trial contacts and locations: 1' without the location's name. ASSUMPTION: the one site is the sponsor,
    // 'University of Science and Technology of China (USTC)'.
    { siteId: 'ustc', name: 'University of Science and Technology of China (USTC)' }
  ],
  protocol: {
    // Arm 'iMSC injection', Description: 'Low dose injection once a week; Low dose injection twice a week;
    // High dose injection once a week; High dose injection twice a week'. ASSUMPTION: the listed order is the
    // escalation order (weekly exposure rises along it; the record gives no amounts, so no dose is given).
    doseLevels: [
      { level: 1, label: 'Low dose once a week' },
      { level: 2, label: 'Low dose twice a week' },
      { level: 3, label: 'High dose once a week' },
      { level: 4, label: 'High dose twice a week' }
    ],
    // No arms: 'Interventional model: Single Group Assignment', '12 participants in 1 patient group'.
    dltDefinition: {
      // ASSUMPTION (no DLT definition in the record): 28 days from the first injection, four weeks of the
      // weekly or twice-weekly regimen.
      windowDays: 28,
      windowStart: 'first_administration',
      // ASSUMPTION: the conventional CTCAE grade >= 3, at least possibly related.
      minGrade: 3,
      attributions: ['possible', 'probable', 'definite']
    },
    // Full description: 'A single center, open label, dose escalation study'. ASSUMPTION: a 3+3 design from the
    // lowest regimen; 'Enrollment: 12 estimated patients' is one cohort of 3 per regimen.
    design: { type: '3+3', startDoseLevel: 1, cohortSize: 3 },
    stoppingRules: [
      // ASSUMPTION (no stopping rule in the record): the 3+3 rule stops escalation by itself; in addition any
      // death at least possibly related halts the trial.
      { type: 'grade5_related', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' }
    ]
  }
}

export default trial
