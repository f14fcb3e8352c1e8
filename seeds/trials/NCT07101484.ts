// NCT07101484: GD007 (human iPSC-exosome liquid dressing), safety and dose-finding in
// moderate-severe intrauterine adhesions.
// Source: /work/shared/trials/NCT07101484.txt (ClinicalTrials.gov page, last updated 2025-08-03).
// The record names three dose groups and a blank control but gives no doses, no DLT definition,
// no escalation rule and no stopping rule.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT07101484', // 'NCT ID: NCT07101484'
  // page title
  title: 'A Study of GD007 (Human iPSC-Exosome Liquid Dressing) for Safety and Dose-Finding in Moderate-Severe Intrauterine Adhesions',
  phase: 'NA', // Basic Information: 'NA'
  sites: [
    // Locations: 'Clinical Center o Reproductive Medicine of First Affiliated Hospital with Nanjing Medical University,
    // Nanjing, Jiangsu, China' ('o' read as 'of'); siteId abbreviates the facility, whose kebab case exceeds 64 characters
    { siteId: 'njmu-fah-reproductive-medicine', name: 'Clinical Center of Reproductive Medicine, First Affiliated Hospital with Nanjing Medical University' }
  ],
  protocol: {
    // Study Groups: 'Low-dose drug group', 'Mid-dose drug group', 'High-dose drug group', 'Blank Control drug group'.
    // The record states no amounts, so the labels carry the group names and no dose is given.
    doseLevels: [
      { level: 0, label: 'Blank control' }, // 'GD007 Blank Control drug Group'; level 0 = control
      { level: 1, label: 'GD007 low dose' },
      { level: 2, label: 'GD007 mid dose' },
      { level: 3, label: 'GD007 high dose' }
    ],
    // Study Design: 'NON_RANDOMIZED', 'SEQUENTIAL'; four groups, so the trial is modelled as parallel arms.
    arms: [
      { armId: 'low', label: 'GD007 Low-dose drug group', doseLevel: 1 },
      { armId: 'mid', label: 'GD007 Mid-dose drug group', doseLevel: 2 },
      { armId: 'high', label: 'GD007 High-dose drug group', doseLevel: 3 },
      { armId: 'control', label: 'GD007 Blank Control drug Group', doseLevel: 0 }
    ],
    dltDefinition: {
      // ASSUMPTION (no DLT definition in the record): a 28-day window from the first perfusion covers the
      // three perfusions ('First exosome perfusion: 24 hours post-operatively', 'Subsequent perfusions: Every
      // 3 days (total 3 perfusions)') up to the 'Follow-up hysteroscopy at 1 month'.
      windowDays: 28,
      windowStart: 'first_administration',
      // Detailed Description: 'Adverse events (per CTCAE v5.0)'. ASSUMPTION: the conventional grade >= 3 threshold.
      minGrade: 3,
      // ASSUMPTION: the conventional "at least possibly related".
      attributions: ['possible', 'probable', 'definite']
    },
    // ASSUMPTION: 'Dose-Finding' in the title and the 'SEQUENTIAL' model suggest escalation, but the record
    // states no escalation rule, so no design drives enrolment; the stopping rules below act.
    design: { type: 'none' },
    stoppingRules: [
      // ASSUMPTION (no stopping rule in the record): any death at least possibly related halts the trial.
      { type: 'grade5_related', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' },
      // ASSUMPTION: Bayesian safety monitoring per dose group, Beta(1, 1) prior: halt when Pr(DLT rate > 33%)
      // exceeds 0.95 with at least 3 evaluable in that group (fires at 3/3 or 3/4, not at 2/3). Control
      // (level 0) is not rate-monitored; related deaths count in every group.
      {
        type: 'posterior_toxicity_above',
        theta: 0.33,
        cutoff: 0.95,
        prior: { a: 1, b: 1 },
        minEvaluable: 3,
        scope: 'dose_level',
        action: 'halt_trial'
      },
      // Basic Information: '29 participants'
      { type: 'max_sample_size', n: 29, action: 'complete' }
    ]
  }
}

export default trial
