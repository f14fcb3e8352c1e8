// NCT07295067: Extracellular Vesicles for the Treatment of Syringomyelia.
// Source: /work/shared/trials/NCT07295067.txt (ClinicalTrials.gov record, version 2025-12-24).
// The exemplar: the record states the design, the DLT definition and the stopping rules; what it
// leaves open is listed in protocol.assumptions.
import type { TrialSeed } from './index.js'

const ESCALATION_STOP = 'Dose escalation will be stopped if DLTs are observed in more than 33% of the participants.'
const CESSATION = 'occurrence of any hUC-MSC-sEV-associated serious adverse event (SAE) that may aggravate neurological dysfunction, or require prolongation of existing hospitalization, or need hospital readmission, or impair consciousness, or be life-threatening, or even lead to death in any subject'

const trial: TrialSeed = {
  trialId: 'NCT07295067', // identificationModule.nctId
  title: 'Extracellular Vesicles for the Treatment of Syringomyelia', // identificationModule.briefTitle
  phase: 'PHASE1', // designModule.phases: ['PHASE1']
  sites: [
    // contactsLocationsModule.locations[0]: facility 'Xuanwu Hospital', city 'Beijing'; siteId: the facility in kebab case
    { siteId: 'xuanwu-hospital', name: 'Xuanwu Hospital, Beijing' }
  ],
  revision: 'values the record does not state listed as assumptions; stopping rules quote the record',
  protocol: {
    // detailedDescription: 'Cohort 1 will receive low-dose1×1011particles; Cohort 2 will receive
    // middle-dose2×1011particles; and Cohort 3 will receive high-dose3×1011particles'
    doseLevels: [
      { level: 1, label: '1e11 particles', dose: { value: 1e11, unit: 'particles' } },
      { level: 2, label: '2e11 particles', dose: { value: 2e11, unit: 'particles' } },
      { level: 3, label: '3e11 particles', dose: { value: 3e11, unit: 'particles' } }
    ],
    // No arms: designModule.interventionModel 'SINGLE_GROUP', one armGroup 'Exosomes group'.
    dltDefinition: {
      // detailedDescription: 'If no dose-limiting toxicities (DLTs) are observed for 2 weeks after the
      // administration of the first Intrathecal injection'; primaryOutcomes[0]: 'within 14 days of administration'
      windowDays: 14,
      windowStart: 'first_administration',
      // primaryOutcomes[0].description: 'adverse events of grade 3 or higher ... graded according to ... CTCAE 5.0'
      minGrade: 3,
      // primaryOutcomes[0].description: 'possibly, likely, or definitely related to the study drug'
      attributions: ['possible', 'probable', 'definite'],
      // primaryOutcomes[0].description: 'accompanied by clinical symptoms and requiring medical treatment'
      requireClinicalSymptoms: true,
      requireMedicalTreatment: true
    },
    // detailedDescription: 'A traditional 3+3 dose-escalation design'; 'Cohort 1' receives the low dose first
    design: { type: '3+3', startDoseLevel: 1, cohortSize: 3 },
    stoppingRules: [
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation', source: ESCALATION_STOP },
      { type: 'related_sae', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial', source: CESSATION }
    ],
    assumptions: [
      {
        path: '/doseLevels',
        statement: '1×1011, 2×1011 and 3×1011 particles are 1e11, 2e11 and 3e11 particles per lumbar puncture.',
        rationale: 'The record lost the superscripts of the exponents; 10^11 particles per 2 ml is the only reading that fits an EV dose.',
        source: 'Cohort 1 will receive low-dose1×1011particles; Cohort 2 will receive middle-dose2×1011particles; and Cohort 3 will receive high-dose3×1011particles.'
      },
      {
        path: '/dltDefinition/attributions',
        statement: '"likely" related is the CTCAE/WHO-UMC category "probable".',
        rationale: 'The service grades attribution on the five-point scale; "likely" sits between possible and definite.',
        source: 'possibly, likely, or definitely related to the study drug'
      },
      {
        path: '/stoppingRules/0/minEvaluable',
        statement: 'The 33% is judged over the expanded cohort of 6: the rule waits for 6 evaluable participants at the level; 2 of 6 stops escalation.',
        rationale: '1 DLT in 3 (33.3%) expands the cohort by the record\'s own rule rather than stopping, so the 33% cannot apply to the first 3 alone; this is the classic 3+3.',
        source: 'If DLTs are observed in one participant in the cohort, an additional three participants will be treated at the same dose level.'
      },
      {
        path: '/stoppingRules/0/scope',
        statement: '"the participants" are those treated at one dose level, not the trial as a whole.',
        rationale: 'A 3+3 judges each dose level on its own cohort.'
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
      }
    ]
  }
}

export default trial
