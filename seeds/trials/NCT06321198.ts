// NCT06321198: iMesenchymal Stromal Cells (iMSC) in steroid-refractory acute GVHD.
// Source: /work/shared/trials/NCT06321198.txt (ClinicalTrials.Veeva page, data from ClinicalTrials.gov).
// The record states a single-centre, open-label dose escalation in 12 participants over four
// regimens, the escalated variable being the dose and the frequency (once or twice a week); it gives
// no amounts, no duration, no phase, no DLT definition, no escalation rule, no stopping rule and no
// DMC: those values are listed in protocol.assumptions.
import type { TrialSeed } from './index.js'
import { CHINA, RELATED } from './shared.js'

const REGIMENS = 'Low dose injection once a week; Low dose injection twice a week; High dose injection once a week; High dose injection twice a week;'
// Four weeks of the regimen, each injection allowed one day either side.
const WEEKLY = { frequency: { perWeek: 1, weeks: 4 }, windowDays: 1 }
const TWICE_WEEKLY = { frequency: { perWeek: 2, weeks: 4 }, windowDays: 1 }

const trial: TrialSeed = {
  trialId: 'NCT06321198', // Identifiers: 'NCT06321198'
  // page title
  title: 'A Trial to Evaluate the Safety and Preliminary Efficacy of iMesenchymal Stromal Cells(iMSC) in Subjects With SR-aGVHD',
  // No phase: the record states none.
  sites: [
    // 'Trial contacts and locations: 1' without the location's name. ASSUMPTION (sites are not part of the
    // protocol document): the one site is the sponsor, 'University of Science and Technology of China (USTC)',
    // in Hefei, with its time zone (shared.ts).
    { siteId: 'ustc', name: 'University of Science and Technology of China (USTC)', timeZone: CHINA }
  ],
  revision: 'remodelled on the record (issue #16): once vs twice weekly as the escalated variable, course DLT window, disease-expected events excluded when only possibly related, cap of 12, related-SAE review rule',
  protocol: {
    // Arm 'iMSC injection', Description: the four regimens in this order.
    doseLevels: [
      { level: 1, label: 'Low dose once a week', schedule: WEEKLY },
      { level: 2, label: 'Low dose twice a week', schedule: TWICE_WEEKLY },
      { level: 3, label: 'High dose once a week', schedule: WEEKLY },
      { level: 4, label: 'High dose twice a week', schedule: TWICE_WEEKLY }
    ],
    // No arms: 'Interventional model: Single Group Assignment', '12 participants in 1 patient group'.
    dltDefinition: {
      windowDays: 7,
      windowStart: 'course',
      minGrade: 3,
      attributions: [...RELATED],
      minExposure: { fraction: 0.75 },
      // Events SR-aGVHD and its treatment cause themselves: a DLT only when probably or definitely related.
      exclusions: [
        { terms: ['Anemia', 'Platelet count decreased', 'Neutrophil count decreased', 'White blood cell decreased', 'Lymphocyte count decreased', 'Febrile neutropenia'], attributions: ['possible'] },
        { terms: ['Diarrhea', 'Colitis'], attributions: ['possible'] },
        { socs: ['Infections and infestations'], grade: 3, attributions: ['possible'] }
      ]
    },
    // Full description: 'A single center, open label, dose escalation study'; 'Enrollment 12 estimated patients'
    design: { type: '3+3', startDoseLevel: 1, cohortSize: 3, maxSampleSize: 12 },
    stoppingRules: [
      { type: 'grade5_related', attributions: [...RELATED], action: 'halt_trial' },
      { type: 'related_sae', attributions: [...RELATED], action: 'pause_for_review' },
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' }
    ],
    assumptions: [
      {
        path: '/doseLevels',
        statement: 'The four regimens are four dose levels escalated in the listed order; no amount is given.',
        rationale: 'Weekly exposure rises along the list (low x1, low x2, high x1, high x2 is the only order that never lowers a dose or a frequency at the same time); the record gives no amounts.',
        source: REGIMENS
      },
      {
        path: '/doseLevels/0/schedule',
        statement: 'Once a week: four injections on days 0, 7, 14 and 21, each +/- 1 day (levels 1 and 3).',
        rationale: 'The frequency is the record\'s; the duration is not stated: four weeks is the usual MSC course in SR-aGVHD and the span of the earlier seed\'s window. One day either side keeps the injections a week apart.',
        source: 'Low dose injection once a week'
      },
      {
        path: '/doseLevels/1/schedule',
        statement: 'Twice a week: eight injections on days 0, 3, 7, 10, 14, 17, 21 and 24, each +/- 1 day (levels 2 and 4).',
        rationale: 'As for once a week, over the same four weeks; 3 and 4 days apart, which one day either side keeps distinct.',
        source: 'Low dose injection twice a week'
      },
      {
        path: '/doseLevels/2/schedule',
        statement: 'As level 1: once a week for four weeks.',
        rationale: 'The high dose differs in amount, not in frequency.',
        source: 'High dose injection once a week'
      },
      {
        path: '/doseLevels/3/schedule',
        statement: 'As level 2: twice a week for four weeks.',
        rationale: 'The high dose differs in amount, not in frequency.',
        source: 'High dose injection twice a week'
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'The DLT window runs over the course: from the first injection to 7 days after the last planned one (day 28 once a week, day 31 twice a week).',
        rationale: 'The record has no DLT definition. The frequency is the escalated variable, so the window must cover the whole course of each regimen: a window from the first injection alone would observe the twice-weekly regimens no longer than the weekly ones.'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: '7 days after the last planned injection.',
        rationale: 'One dosing interval of the weekly regimen after its last injection.'
      },
      {
        path: '/dltDefinition/minExposure',
        statement: 'A participant without a DLT is evaluable after at least 3 of 4 (weekly) or 6 of 8 (twice weekly) injections; below that they are replaced.',
        rationale: 'In SR-aGVHD injections are often postponed for the patient\'s condition; three quarters of the regimen still tests it, fewer would understate its toxicity.'
      },
      {
        path: '/dltDefinition/minGrade',
        statement: 'A DLT is a CTCAE grade 3 or higher adverse event.',
        rationale: 'The conventional threshold; the record defines no DLT.'
      },
      {
        path: '/dltDefinition/attributions',
        statement: 'A DLT is at least possibly related to iMSC.',
        rationale: 'The conventional attribution threshold; the record states none.'
      },
      {
        path: '/dltDefinition/exclusions/0',
        statement: 'Grade >= 3 cytopenias (anemia, platelet, neutrophil, white-cell and lymphocyte counts decreased, febrile neutropenia) are not DLTs when only possibly related; probably or definitely related they are.',
        rationale: 'Patients with SR-aGVHD after stem-cell transplantation have them from the transplant, the GVHD and its treatment, before and without iMSC; counting every possibly related one would stop the escalation on the disease. An investigator who attributes one to iMSC more firmly makes it a DLT.'
      },
      {
        path: '/dltDefinition/exclusions/1',
        statement: 'Grade >= 3 diarrhea and colitis are not DLTs when only possibly related: they are gut GVHD, the disease treated.',
        rationale: 'CTCAE v5.0 has no GVHD term: gut GVHD is graded as diarrhea or colitis. The record itself ties gastrointestinal symptoms to GVHD in its exclusion criteria.',
        source: 'Have gastrointestinal symptoms which not caused by GVHD'
      },
      {
        path: '/dltDefinition/exclusions/2',
        statement: 'Grade 3 infections are not DLTs when only possibly related; grade 4 infections are, whatever the attribution within the related ones.',
        rationale: 'Infections are expected under GVHD immunosuppression; but MSCs are immunosuppressive too, so a life-threatening infection must not vanish from the DLT count.'
      },
      {
        path: '/design/type',
        statement: 'Escalation follows a 3+3 design.',
        rationale: 'The record states a dose escalation but no rule; the 3+3 needs no target toxicity or skeleton, which the record does not give.',
        source: 'A single center, open label, dose escalation study'
      },
      {
        path: '/design/startDoseLevel',
        statement: 'Escalation starts at the lowest regimen (low dose once a week).',
        rationale: 'The usual start of a first escalation; the record states none.'
      },
      {
        path: '/design/maxSampleSize',
        statement: 'At most 12 participants: one cohort of 3 per regimen. A cohort expanded to 6 uses the room of a higher regimen, so the trial completes at 12 before reaching it.',
        rationale: 'The record\'s enrolment; the cap stands rather than the 3+3\'s own maximum of 24, as the record plans 12.',
        source: 'Enrollment 12 estimated patients'
      },
      {
        path: '/stoppingRules/0',
        statement: 'A death at least possibly related to iMSC halts the trial.',
        rationale: 'The record states no stopping rule; a related death must stop dosing until reviewed.'
      },
      {
        path: '/stoppingRules/1',
        statement: 'A serious AE at least possibly related to iMSC holds the trial until the sponsor\'s safety review, acting as the DMC, has seen it.',
        rationale: 'The record states no stopping rule and no DMC. SR-aGVHD patients have many serious events of their disease; review, not a halt, lets a reviewer tell them from iMSC toxicity before the next participant.'
      },
      {
        path: '/stoppingRules/2',
        statement: 'Per regimen, more than 33% of at least 6 evaluable participants with a DLT stops escalation at that regimen and closes the regimens above.',
        rationale: 'The record states no stopping rule; this is the 3+3 boundary (2 of 6), which the design applies as well. 2 DLTs in the first 3 close the regimen by the 3+3 itself.'
      }
    ]
  }
}

export default trial
