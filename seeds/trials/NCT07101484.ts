// NCT07101484: GD007 (human iPSC-exosome liquid dressing), safety and dose-finding in
// moderate-severe intrauterine adhesions.
// Source: /work/shared/trials/NCT07101484.txt (ClinicalTrials.gov page, last updated 2025-08-03).
// The record names three dose groups and a blank control but gives no doses, no DLT definition,
// no escalation rule and no stopping rule: those values are listed in protocol.assumptions.
import type { TrialSeed } from './index.js'

const RELATED = ['possible', 'probable', 'definite'] as const

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
  revision: 'values the record does not state listed as assumptions; stopping rules quote the record',
  protocol: {
    // Study Groups: 'Low-dose drug group', 'Mid-dose drug group', 'High-dose drug group', 'Blank Control drug group'.
    doseLevels: [
      { level: 0, label: 'Blank control' }, // 'GD007 Blank Control drug Group'
      { level: 1, label: 'GD007 low dose' },
      { level: 2, label: 'GD007 mid dose' },
      { level: 3, label: 'GD007 high dose' }
    ],
    // Study Design: 'NON_RANDOMIZED', 'SEQUENTIAL'.
    arms: [
      { armId: 'low', label: 'GD007 Low-dose drug group', doseLevel: 1 },
      { armId: 'mid', label: 'GD007 Mid-dose drug group', doseLevel: 2 },
      { armId: 'high', label: 'GD007 High-dose drug group', doseLevel: 3 },
      { armId: 'control', label: 'GD007 Blank Control drug Group', doseLevel: 0 }
    ],
    dltDefinition: {
      windowDays: 28,
      windowStart: 'first_administration',
      minGrade: 3,
      attributions: [...RELATED]
    },
    design: { type: 'none' },
    stoppingRules: [
      { type: 'grade5_related', attributions: [...RELATED], action: 'halt_trial' },
      { type: 'posterior_toxicity_above', theta: 0.33, cutoff: 0.95, prior: { a: 1, b: 1 }, minEvaluable: 3, scope: 'dose_level', action: 'halt_trial' },
      { type: 'max_sample_size', n: 29, action: 'complete', source: '29 participants' }
    ],
    assumptions: [
      {
        path: '/doseLevels',
        statement: 'The groups carry their names only, no dose amount; level 0 is the blank control, levels 1-3 low, mid and high GD007.',
        rationale: 'The record states no amounts; the control receives no GD007 and is not an escalation level.',
        source: 'Low-dose drug group ... Mid-dose drug group ... High-dose drug group ... Blank Control drug group'
      },
      {
        path: '/arms',
        statement: 'Each group is an arm at its dose level; enrolment is not driven by an escalation design.',
        rationale: 'The record states four groups and a SEQUENTIAL model but no escalation rule.',
        source: 'NON_RANDOMIZED ... SEQUENTIAL'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: 'DLTs are counted for 28 days from the first perfusion.',
        rationale: 'The record has no DLT definition; 28 days covers the three perfusions (days 0, 3, 6) up to the 1-month hysteroscopy.',
        source: 'First exosome perfusion: 24 hours post-operatively; Subsequent perfusions: Every 3 days (total 3 perfusions); Follow-up hysteroscopy at 1 month'
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'The window runs from the first perfusion.',
        rationale: 'One window over the whole 3-perfusion cycle; the record names no per-perfusion window.'
      },
      {
        path: '/dltDefinition/minGrade',
        statement: 'A DLT is a CTCAE grade 3 or higher adverse event.',
        rationale: 'The conventional threshold; the record grades AEs by CTCAE v5.0 but defines no DLT.',
        source: 'Adverse events (per CTCAE v5.0)'
      },
      {
        path: '/dltDefinition/attributions',
        statement: 'A DLT is at least possibly related to GD007.',
        rationale: 'The conventional attribution threshold; the record states none.'
      },
      {
        path: '/design',
        statement: 'No design drives enrolment; the stopping rules act.',
        rationale: '"Dose-Finding" in the title and the SEQUENTIAL model suggest escalation, but the record states no escalation rule.',
        source: 'Safety and Dose-Finding; SEQUENTIAL'
      },
      {
        path: '/stoppingRules/0',
        statement: 'A death at least possibly related to GD007, in any group, halts the trial.',
        rationale: 'The record states no stopping rule; a related death must stop dosing until reviewed.'
      },
      {
        path: '/stoppingRules/1',
        statement: 'Per dose group, Beta(1, 1) prior: halt when Pr(DLT rate > 33%) exceeds 0.95 with at least 3 evaluable (fires at 3/3 or 3/4, not at 2/3).',
        rationale: 'The record states no stopping rule; 33% is the conventional 3+3 boundary. Rate rules judge the investigational levels only, so the blank control (level 0) is not rate-monitored; related deaths count in every group.'
      },
      {
        path: '/stoppingRules/2/action',
        statement: 'Reaching 29 enrolled completes enrolment.',
        rationale: 'The record states the enrolment target only.'
      }
    ]
  }
}

export default trial
