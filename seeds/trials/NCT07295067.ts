// NCT07295067: Extracellular Vesicles for the Treatment of Syringomyelia.
// Source: /work/shared/trials/NCT07295067.txt (ClinicalTrials.gov record, version 2025-12-24).
// The exemplar: the record states the design, the DLT definition and the stopping rules.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT07295067', // identificationModule.nctId
  title: 'Extracellular Vesicles for the Treatment of Syringomyelia', // identificationModule.briefTitle
  phase: 'PHASE1', // designModule.phases: ['PHASE1']
  sites: [
    // contactsLocationsModule.locations[0]: facility 'Xuanwu Hospital', city 'Beijing'; siteId: the facility in kebab case
    { siteId: 'xuanwu-hospital', name: 'Xuanwu Hospital, Beijing' }
  ],
  protocol: {
    // detailedDescription: 'Cohort 1 will receive low-dose1×1011particles; Cohort 2 will receive
    // middle-dose2×1011particles; and Cohort 3 will receive high-dose3×1011particles' (1×10^11 etc.;
    // the exponent lost its superscript in the record)
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
      // primaryOutcomes[0].description: 'possibly, likely, or definitely related to the study drug' ("likely" = probable)
      attributions: ['possible', 'probable', 'definite'],
      // primaryOutcomes[0].description: 'accompanied by clinical symptoms and requiring medical treatment'
      requireClinicalSymptoms: true,
      requireMedicalTreatment: true
    },
    // detailedDescription: 'A traditional 3+3 dose-escalation design'; 'Cohort 1' receives the low dose first
    design: { type: '3+3', startDoseLevel: 1, cohortSize: 3 },
    stoppingRules: [
      // detailedDescription: 'Dose escalation will be stopped if DLTs are observed in more than 33% of the
      // participants.' Read with 'If DLTs are observed in one participant in the cohort, an additional three
      // participants will be treated at the same dose level': 1 DLT in 3 (33.3%) expands the cohort rather than
      // stopping, so the 33% is meant over the expanded cohort of 6 and the rule waits for 6 evaluable
      // participants; 2 of 6 (33.3% > 33%) then stops escalation, as in the classic 3+3.
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' },
      // eligibilityCriteria, 'Cessation Criteria': 'occurrence of any hUC-MSC-sEV-associated serious adverse event
      // (SAE) ... in any subject'. ASSUMPTION: "associated" means at least possibly related, as in the DLT definition.
      { type: 'related_sae', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' }
    ]
  }
}

export default trial
