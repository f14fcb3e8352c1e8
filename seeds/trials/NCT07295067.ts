// NCT07295067: Extracellular Vesicles for the Treatment of Syringomyelia.
// Source: /work/shared/trials/NCT07295067.txt (ClinicalTrials.gov record, version 2025-12-24).
// The exemplar: the record states the design, the schedule, the DLT definition, the enrolment, a DMC
// and the cessation criteria; what it leaves open is listed in protocol.assumptions.
import type { TrialSeed } from './index.js'
import { CHINA, RELATED } from './shared.js'

const ESCALATION_STOP = 'Dose escalation will be stopped if DLTs are observed in more than 33% of the participants.'
const CESSATION = 'occurrence of any hUC-MSC-sEV-associated serious adverse event (SAE) that may aggravate neurological dysfunction, or require prolongation of existing hospitalization, or need hospital readmission, or impair consciousness, or be life-threatening, or even lead to death in any subject'
const FIRST_INJECTION = 'If no dose-limiting toxicities (DLTs) are observed for 2 weeks after the administration of the first Intrathecal injection, a new cohort will be enrolled at the next planned dose level.'
const MONTHLY = 'Cohort 1 to Cohort 3 will receive a dose of 2 ml per lumbar puncture, administered once a month, for a total of three months.'

const trial: TrialSeed = {
  trialId: 'NCT07295067', // identificationModule.nctId
  title: 'Extracellular Vesicles for the Treatment of Syringomyelia', // identificationModule.briefTitle
  phase: 'PHASE1', // designModule.phases: ['PHASE1']
  sites: [
    // contactsLocationsModule.locations[0]: facility 'Xuanwu Hospital', city 'Beijing', country 'China'; siteId: the
    // facility in kebab case. ASSUMPTION (sites are not part of the protocol document): time zone of Beijing (shared.ts).
    { siteId: 'xuanwu-hospital', name: 'Xuanwu Hospital, Beijing', timeZone: CHINA }
  ],
  revision: 'remodelled on the record (issue #16): monthly schedule x3, DLTs within 14 days of each injection, escalation gated 2 weeks after the first, DMC-confirmed DLT assessments, 18 participants, related-death rule',
  protocol: {
    // detailedDescription: 'Cohort 1 will receive low-dose1×1011particles; Cohort 2 will receive
    // middle-dose2×1011particles; and Cohort 3 will receive high-dose3×1011particles'
    doseLevels: [
      { level: 1, label: '1e11 particles', dose: { value: 1e11, unit: 'particles' } },
      { level: 2, label: '2e11 particles', dose: { value: 2e11, unit: 'particles' } },
      { level: 3, label: '3e11 particles', dose: { value: 3e11, unit: 'particles' } }
    ],
    // No arms: designModule.interventionModel 'SINGLE_GROUP', one armGroup 'Exosomes group'.
    // detailedDescription: 'administered once a month, for a total of three months'; the DLT period is the first injection.
    schedule: {
      administrations: [{ day: 0 }, { day: 28, windowDays: 7 }, { day: 56, windowDays: 7 }],
      dltPeriodAdministrations: 1
    },
    dltDefinition: {
      // primaryOutcomes[0]: 'within 14 days of administration': a window opens at every injection
      windowDays: 14,
      windowStart: 'each_administration',
      // detailedDescription: escalation waits '2 weeks after the administration of the first Intrathecal injection'
      escalationWindow: { start: 'first_administration', days: 14 },
      // primaryOutcomes[0].description: 'adverse events of grade 3 or higher ... graded according to ... CTCAE 5.0'
      minGrade: 3,
      // primaryOutcomes[0].description: 'possibly, likely, or definitely related to the study drug'
      attributions: [...RELATED],
      // primaryOutcomes[0].description: 'accompanied by clinical symptoms and requiring medical treatment'
      requireClinicalSymptoms: true,
      requireMedicalTreatment: true,
      minExposure: { administrations: 1 },
      // oversightModule: 'oversightHasDmc': True
      requireAssessment: true
    },
    // detailedDescription: 'A traditional 3+3 dose-escalation design'; 'Cohort 1' receives the low dose first;
    // enrollmentInfo 'count': 18
    design: { type: '3+3', startDoseLevel: 1, cohortSize: 3, maxSampleSize: 18 },
    stoppingRules: [
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation', source: ESCALATION_STOP },
      { type: 'related_sae', attributions: [...RELATED], action: 'halt_trial', source: CESSATION },
      { type: 'grade5_related', attributions: [...RELATED], action: 'halt_trial', source: 'or even lead to death in any subject' }
    ],
    assumptions: [
      {
        path: '/doseLevels',
        statement: '1×1011, 2×1011 and 3×1011 particles are 1e11, 2e11 and 3e11 particles per lumbar puncture.',
        rationale: 'The record lost the superscripts of the exponents; 10^11 particles per 2 ml is the only reading that fits an EV dose.',
        source: 'Cohort 1 will receive low-dose1×1011particles; Cohort 2 will receive middle-dose2×1011particles; and Cohort 3 will receive high-dose3×1011particles.'
      },
      {
        path: '/schedule/administrations/1/day',
        statement: 'The three monthly injections are planned on days 0, 28 and 56 after the first.',
        rationale: 'The record says "once a month" and plans its visits at 4, 8 and 12 weeks: a month is read as 4 weeks.',
        source: MONTHLY
      },
      {
        path: '/schedule/administrations/2/day',
        statement: 'The third injection is planned on day 56, two months of 4 weeks after the first.',
        rationale: 'As for the second injection.',
        source: 'administered once a month, for a total of three months'
      },
      {
        path: '/schedule/administrations/1/windowDays',
        statement: 'The second injection may be given 7 days either side of day 28.',
        rationale: 'The record gives no window for the injections; its visits are "4±1 Weeks" and "8±1 Weeks", and an injection given at those visits shares their window.',
        source: '4±1 Weeks, 8±1 Weeks,12±1 Weeks'
      },
      {
        path: '/schedule/administrations/2/windowDays',
        statement: 'The third injection may be given 7 days either side of day 56.',
        rationale: 'As for the second injection ("8±1 Weeks").',
        source: '4±1 Weeks, 8±1 Weeks,12±1 Weeks'
      },
      {
        path: '/schedule/dltPeriodAdministrations',
        statement: 'The DLT period that gates escalation holds the first injection only.',
        rationale: 'The record escalates once 2 weeks after the first injection passed without a DLT; the later injections are given at the dose already chosen.',
        source: FIRST_INJECTION
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'A DLT is counted within 14 days of any of the three injections, not only the first.',
        rationale: 'The DLT definition says "within 14 days of administration" without restricting it to the first; a toxicity of the second or third injection is a DLT of the dose, and it still counts at the level.',
        source: 'requiring medical treatment within 14 days of administration'
      },
      {
        path: '/dltDefinition/escalationWindow',
        statement: 'A participant without a DLT is evaluable for escalation 14 days after the first injection.',
        rationale: 'The record separates what gates escalation (2 weeks after the first injection) from what counts as a DLT (14 days of any injection).',
        source: FIRST_INJECTION
      },
      {
        path: '/dltDefinition/minExposure',
        statement: 'A participant without a DLT is evaluable only once they received the first injection.',
        rationale: 'The DLT period holds one injection; a participant never injected tells nothing about the dose and is replaced.'
      },
      {
        path: '/dltDefinition/requireAssessment',
        statement: 'A participant without a DLT becomes evaluable only when the site confirmed, after the 14 days, that all their adverse events are entered.',
        rationale: 'The trial has a DMC: a clean window is a DLT assessment the DMC reviews, not the mere absence of entries.',
        source: "'oversightHasDmc': True"
      },
      {
        path: '/dltDefinition/attributions',
        statement: '"likely" related is the CTCAE/WHO-UMC category "probable".',
        rationale: 'The service grades attribution on the five-point scale; "likely" sits between possible and definite.',
        source: 'possibly, likely, or definitely related to the study drug'
      },
      {
        path: '/design/maxSampleSize',
        statement: 'At most 18 participants are treated in the escalation.',
        rationale: 'The enrolment of the record is 18, the most a 3+3 over three levels can need (3 x 6).',
        source: "'count': 18"
      },
      {
        path: '/stoppingRules/0/minEvaluable',
        statement: 'The 33% is judged over the expanded cohort of 6: the rule waits for 6 evaluable participants at the level; 2 of 6 stops escalation.',
        rationale: '1 DLT in 3 (33.3%) expands the cohort by the record\'s own rule rather than stopping, so the 33% cannot apply to the first 3 alone (2 DLTs in the first 3 close the level by the 3+3 itself); this is the classic 3+3.',
        source: 'If DLTs are observed in one participant in the cohort, an additional three participants will be treated at the same dose level.'
      },
      {
        path: '/stoppingRules/0/scope',
        statement: '"the participants" are those treated at one dose level, not the trial as a whole.',
        rationale: 'A 3+3 judges each dose level on its own cohort; the rule closes that level and every level above.'
      },
      {
        path: '/stoppingRules/1/attributions',
        statement: '"hUC-MSC-sEV-associated" means at least possibly related.',
        rationale: 'The same attributions as the record\'s DLT definition.'
      },
      {
        path: '/stoppingRules/1/action',
        statement: 'Any such SAE halts the trial (no enrolment, no dosing) until a DMC decision.',
        rationale: 'The record lists it among the "Cessation Criteria" of the trial.',
        source: 'Cessation Criteria: ... occurrence of any hUC-MSC-sEV-associated serious adverse event (SAE) ... in any subject'
      },
      {
        path: '/stoppingRules/2',
        statement: 'A death at least possibly related to hUC-MSC-sEV halts the trial, as its own rule.',
        rationale: 'A related death is a related SAE and halts the trial by the rule above as well; the explicit rule keeps it so if that rule is ever narrowed (for example to a DMC review).'
      }
    ]
  }
}

export default trial
