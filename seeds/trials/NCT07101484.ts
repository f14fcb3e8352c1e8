// NCT07101484: GD007 (human iPSC-exosome liquid dressing), safety and dose-finding in
// moderate-severe intrauterine adhesions.
// Source: /work/shared/trials/NCT07101484.txt (ClinicalTrials.gov page, last updated 2025-08-03).
// The record names three dose groups and a blank control, allocated SEQUENTIAL, and the perfusion
// schedule; it gives no doses, no DLT definition, no escalation rule, no stopping rule and no DMC:
// those values are listed in protocol.assumptions.
import type { TrialSeed } from './index.js'
import { CHINA, RELATED } from './shared.js'

const PERFUSIONS = 'First exosome perfusion: 24 hours post-operatively; Subsequent perfusions: Every 3 days (total 3 perfusions)'
const REPEAT = 'Follow-up hysteroscopy at 1 month to assess adhesion recurrence: If adhesions recur: Repeat adhesiolysis (Step 1) followed by another 3-perfusion cycle (24h post-op)'

const trial: TrialSeed = {
  trialId: 'NCT07101484', // 'NCT ID: NCT07101484'
  // page title
  title: 'A Study of GD007 (Human iPSC-Exosome Liquid Dressing) for Safety and Dose-Finding in Moderate-Severe Intrauterine Adhesions',
  phase: 'NA', // Basic Information: 'NA'
  sites: [
    // Locations: 'Clinical Center o Reproductive Medicine of First Affiliated Hospital with Nanjing Medical University,
    // Nanjing, Jiangsu, China' ('o' read as 'of'); siteId abbreviates the facility, whose kebab case exceeds 64 characters.
    // ASSUMPTION (sites are not part of the protocol document): time zone of Nanjing (shared.ts).
    { siteId: 'njmu-fah-reproductive-medicine', name: 'Clinical Center of Reproductive Medicine, First Affiliated Hospital with Nanjing Medical University', timeZone: CHINA }
  ],
  revision: 'remodelled on the record (issue #16): sequential 3+3 escalation low -> mid -> high with the blank control alongside, perfusion schedule with the repeat cycle, course DLT window, related-SAE review rule, control SAEs not attributed to GD007',
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
    // Every group: 'First exosome perfusion: 24 hours post-operatively' (day 0), 'Every 3 days (total 3 perfusions)';
    // 'If adhesions recur: Repeat adhesiolysis (Step 1) followed by another 3-perfusion cycle (24h post-op)' after the
    // 'Follow-up hysteroscopy at 1 month'.
    schedule: {
      administrations: [
        { day: 0 }, { day: 3, windowDays: 1 }, { day: 6, windowDays: 1 },
        { day: 30, windowDays: 7 }, { day: 33, windowDays: 7 }, { day: 36, windowDays: 7 }
      ],
      dltPeriodAdministrations: 3
    },
    dltDefinition: {
      windowDays: 21,
      windowStart: 'course',
      minGrade: 3,
      attributions: [...RELATED],
      minExposure: { administrations: 3 }
    },
    // 'SEQUENTIAL' and 'Dose-Finding': escalation low -> mid -> high, the control enrolled alongside.
    design: { type: '3+3', startDoseLevel: 1, cohortSize: 3 },
    // Study Design masking 'NONE', 'Blank Control drug group': the control receives no GD007.
    controlCanBeRelated: false,
    stoppingRules: [
      { type: 'grade5_related', attributions: [...RELATED], action: 'halt_trial' },
      { type: 'related_sae', attributions: [...RELATED], action: 'pause_for_review' },
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' },
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
        statement: 'Each group is an arm at its dose level; participants are enrolled by arm.',
        rationale: 'The record lists four study groups; the dose levels order the three GD007 groups for the escalation.',
        source: 'Low-dose drug group ... Blank Control drug group'
      },
      {
        path: '/design',
        statement: 'The GD007 groups are filled in sequence by a 3+3 escalation, low -> mid -> high: a group opens only when the one below it is cleared; the blank control is enrolled alongside at any time enrolment is open.',
        rationale: '"SEQUENTIAL" allocation in a "Dose-Finding" study is an escalation, not parallel groups. The record gives no escalation rule; the 3+3 is the only rule-based escalation that needs no target toxicity or dose-toxicity skeleton, which the record does not give either. The control (level 0) counts in no design decision.',
        source: 'Safety and Dose-Finding; NON_RANDOMIZED ... SEQUENTIAL'
      },
      {
        path: '/design/startDoseLevel',
        statement: 'The escalation starts at the low-dose group.',
        rationale: 'A first-in-human escalation starts at the lowest dose.',
        source: 'we propose the first-in-human safety evaluation of clinical-grade iPS-Exo'
      },
      {
        path: '/schedule',
        statement: 'Every group, the blank control included, is planned three perfusions on days 0, 3 and 6 (day 0 = 24 hours after the adhesiolysis), and a second cycle of three on days 30, 33 and 36 when adhesions recur; the DLT period is the first cycle (dltPeriodAdministrations 3).',
        rationale: 'The record gives the same perfusion schedule to every group, the blank control included (which receives the blank preparation: no GD007). The second cycle is given only after a repeat adhesiolysis at the 1-month hysteroscopy: a participant without recurrence ends treatment there (treatmentEndedAt), and those planned perfusions are then not given. Being outside the DLT period they change no evaluability.',
        source: `${PERFUSIONS}; ${REPEAT}`
      },
      {
        path: '/schedule/administrations/1/windowDays',
        statement: 'The second and third perfusions may be given 1 day either side of days 3 and 6.',
        rationale: 'The record says "Every 3 days" without a window; one day keeps the three perfusions apart and inside the first week.',
        source: 'Subsequent perfusions: Every 3 days (total 3 perfusions)'
      },
      {
        path: '/schedule/administrations/2/windowDays',
        statement: 'As for the second perfusion: day 6 +/- 1.',
        rationale: 'As for the second perfusion.'
      },
      {
        path: '/schedule/administrations/3',
        statement: 'The repeat cycle starts on day 30 +/- 7: 24 hours after a repeat adhesiolysis at the 1-month hysteroscopy; days 33 and 36 follow, each +/- 7 so that the cycle may move with that visit.',
        rationale: 'The record places the hysteroscopy "at 1 month" without a window and the repeat perfusions 24 hours after the repeat adhesiolysis, every 3 days as in the first cycle.',
        source: REPEAT
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'The DLT window runs over the course: from the first perfusion to 21 days after the third (planned day 6), i.e. to about day 27.',
        rationale: 'The record has no DLT definition. The three perfusions act together on one endometrium, so one window covers them, and it closes before the 1-month hysteroscopy, whose repeat adhesiolysis brings surgical events of its own.',
        source: 'Follow-up hysteroscopy at 1 month'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: '21 days after the last perfusion of the DLT period.',
        rationale: 'Three weeks observe the endometrium after the cycle and end before the 1-month hysteroscopy (see windowStart).'
      },
      {
        path: '/dltDefinition/minExposure',
        statement: 'A participant without a DLT is evaluable only after all three perfusions of the first cycle; one who missed a perfusion is replaced.',
        rationale: 'A dose-finding judgement on a dose only partly received would understate its toxicity.',
        source: 'Subsequent perfusions: Every 3 days (total 3 perfusions)'
      },
      {
        path: '/dltDefinition/minGrade',
        statement: 'A DLT is a CTCAE grade 3 or higher adverse event.',
        rationale: 'The conventional threshold; the record grades AEs by CTCAE v5.0 but defines no DLT.',
        source: 'Adverse events (per CTCAE v5.0)'
      },
      {
        path: '/dltDefinition/attributions',
        statement: 'A DLT is at least possibly related to GD007; events of the hysteroscopic surgery itself are attributed unrelated or unlikely and are not DLTs.',
        rationale: 'The conventional attribution threshold; the record states none. Every participant has the adhesiolysis the day before the first perfusion, so its events are told apart by attribution rather than by excluding terms that GD007 might also cause.',
        source: 'will undergo standard hysteroscopic adhesiolysis'
      },
      {
        path: '/controlCanBeRelated',
        statement: 'A serious AE or death in the blank control does not count in the related-SAE and related-death rules of GD007.',
        rationale: 'The control receives no GD007 and the study is open label (masking NONE): its AEs are attributed knowing no GD007 was given, so they cannot signal GD007 toxicity. Control SAEs are still recorded, reported and listed for the sponsor, who may pause the trial by a DMC decision.',
        source: 'Blank Control drug group; NONE'
      },
      {
        path: '/stoppingRules/0',
        statement: 'A death at least possibly related to GD007, in any GD007 group, halts the trial.',
        rationale: 'The record states no stopping rule; a related death must stop dosing until reviewed.'
      },
      {
        path: '/stoppingRules/1',
        statement: 'A serious AE at least possibly related to GD007 holds the trial (no enrolment) until the sponsor\'s safety review, acting as the DMC, has seen it.',
        rationale: 'The record states no stopping rule and no DMC. A related SAE in a first-in-human study needs review before the next participant; review rather than a halt because the surgery and its complications are part of every participant\'s course.'
      },
      {
        path: '/stoppingRules/2',
        statement: 'Per GD007 group, more than 33% of at least 6 evaluable participants with a DLT stops escalation at that group and closes the groups above.',
        rationale: 'The record states no stopping rule; this is the 3+3 boundary (2 of 6), which the design applies as well. 2 DLTs in the first 3 close the group by the 3+3 itself. The blank control is not rate-monitored.'
      },
      {
        path: '/stoppingRules/3/action',
        statement: 'Reaching 29 enrolled (control included) completes enrolment.',
        rationale: 'The record states the enrolment target only.'
      }
    ]
  }
}

export default trial
