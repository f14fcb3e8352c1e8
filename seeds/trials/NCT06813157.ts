// NCT06813157: Mesenchymal Stem Cells in the Treatment of Refractory Primary Immune Thrombocytopenia.
// Source: /work/shared/trials/NCT06813157.txt (trial-finder page, dated 28 August 2025).
// The record states a single-arm, single-centre study of five MSC infusions at one dose with their
// schedule and windows; it gives no site name, enrolment, DLT definition, stopping rule or DMC:
// those values are listed in protocol.assumptions.
import type { TrialSeed } from './index.js'
import { CHINA, RELATED } from './shared.js'

const SCHEDULE = 'with a frequency of 1 week between the first infusion and the second infusion (a time window of ±1 day), and the 3rd, 4th and 5th infusion were all 2 weeks apart from the last infusion (a time window of ±3 days)'

const trial: TrialSeed = {
  trialId: 'NCT06813157', // 'Study details ... NCT06813157'
  title: 'Mesenchymal Stem Cells in the Treatment of Refractory Primary Immune Thrombocytopenia', // page title
  phase: 'NA', // 'Phase N/A'
  sites: [
    // Overview: 'single-center'; the centre is not named. ASSUMPTION (sites are not part of the protocol
    // document): one site under a neutral id, in China like its sponsor in Guangzhou (time zone: shared.ts).
    { siteId: 'site-01', name: 'Single study centre (not named in the record; sponsor Guangzhou Bio-gene Technology Co., Ltd)', timeZone: CHINA }
  ],
  revision: 'remodelled on the record (issue #16): five infusions on weeks 0, 1, 3, 5, 7 with their windows, course DLT window to the D14 visit, platelet count decrease of the disease excluded when only possibly related, rate rule 33% for DMC review, related-SAE review rule',
  protocol: {
    // Overview: 'a dose of 1 × 108/kg mesenchymal stem cells per time'
    doseLevels: [
      { level: 1, label: '1e8 cells/kg', dose: { value: 1e8, unit: 'cells/kg' } }
    ],
    // No arms: Overview: 'single-arm'.
    // Overview: '5 times of mesenchymal stem cell infusion', 1 week (±1 day) to the second, then 2 weeks (±3 days) apart.
    schedule: {
      administrations: [{ day: 0 }, { day: 7, windowDays: 1 }, { day: 21, windowDays: 3 }, { day: 35, windowDays: 3 }, { day: 49, windowDays: 3 }]
    },
    dltDefinition: {
      windowDays: 14,
      windowStart: 'course',
      minGrade: 3,
      attributions: [...RELATED],
      minExposure: { administrations: 4 },
      // Refractory ITP is a low platelet count: a fall counts as a DLT only when probably or definitely related.
      exclusions: [
        { terms: ['Platelet count decreased'], attributions: ['possible'] }
      ]
    },
    // Overview: 'single-arm, single-center, multiple administration'; one dose, no escalation.
    design: { type: 'none' },
    stoppingRules: [
      { type: 'grade5_related', attributions: [...RELATED], action: 'halt_trial' },
      { type: 'related_sae', attributions: [...RELATED], action: 'pause_for_review' },
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'trial', action: 'pause_for_review' }
    ],
    assumptions: [
      {
        path: '/doseLevels/0/dose/value',
        statement: '"1 × 108/kg" is 1×10^8 cells/kg per infusion.',
        rationale: 'The record lost the superscript of the exponent; 10^8 cells/kg is within the MSC doses given intravenously, 108 cells/kg is not a dose.',
        source: 'with a dose of 1 × 108/kg mesenchymal stem cells per time'
      },
      {
        path: '/schedule',
        statement: 'Five infusions planned on days 0, 7, 21, 35 and 49, the windows (±1 day for the second, ±3 days for the others) counted around the planned days.',
        rationale: 'The record states the intervals and windows; it counts each interval from the previous infusion, the service from the first. An infusion given early or late moves the next planned one in the record\'s reading, which a window around the planned day allows for only within its days.',
        source: SCHEDULE
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'The DLT window runs over the course: from the first infusion to 14 days after the fifth (planned day 49, so about day 63).',
        rationale: 'The record has no DLT definition; it evaluates safety at D14 after all treatments, which closes the window. One window over the course observes every infusion and the weeks between them.',
        source: 'After all treatments were completed, the safety and effectiveness of D14, M1, M2, M3, M6, M9 and M12 were evaluated'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: '14 days after the last infusion: the D14 visit.',
        rationale: 'See windowStart.',
        source: 'D14'
      },
      {
        path: '/dltDefinition/minExposure',
        statement: 'A participant without a DLT is evaluable after at least 4 of the 5 infusions; below that they are replaced.',
        rationale: 'Four infusions span the first five weeks of the course; fewer would judge the regimen on a part of it. The record states no minimum.'
      },
      {
        path: '/dltDefinition/minGrade',
        statement: 'A DLT is a CTCAE grade 3 or higher adverse event.',
        rationale: 'The conventional threshold; the record defines no DLT.'
      },
      {
        path: '/dltDefinition/attributions',
        statement: 'A DLT is at least possibly related to the MSCs.',
        rationale: 'The conventional attribution threshold; the record states none.'
      },
      {
        path: '/dltDefinition/exclusions/0',
        statement: 'A grade >= 3 platelet count decrease is not a DLT when only possibly related; probably or definitely related it is. Bleeding events are not excluded.',
        rationale: 'Refractory ITP is persistent thrombocytopenia: the participants enter with low platelet counts that fall without any treatment. A bleed is a clinical event the DMC must see, so it stays a DLT when related.',
        source: 'had persistent thrombocytopenia for more than 3 months'
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
        statement: 'A serious AE at least possibly related to the MSCs holds the trial until the sponsor\'s safety review, acting as the DMC, has seen it.',
        rationale: 'The record states no stopping rule and no DMC; a related SAE must be reviewed before the next participant is dosed.'
      },
      {
        path: '/stoppingRules/2',
        statement: 'More than 33% of the evaluable participants with a DLT, once 3 are evaluable, holds the trial for review: 1 of 3, 2 of 6 hold it, 1 of 4 does not. Every new firing (another count) holds it again.',
        rationale: 'The record states no stopping rule and no enrolment; 33% is the conventional early-phase boundary. With one dose there is no escalation to stop, so the rule holds enrolment for a review instead of waiting for 6.'
      }
    ]
  }
}

export default trial
