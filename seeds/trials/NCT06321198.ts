// NCT06321198: iMesenchymal Stromal Cells (iMSC) in steroid-refractory acute GVHD.
// Source: /work/shared/trials/NCT06321198.txt (ClinicalTrials.Veeva page, data from ClinicalTrials.gov).
// The record states a single-centre, open-label dose escalation in 12 participants over four
// regimens; it gives no doses, no phase, no DLT definition, no escalation rule and no stopping
// rule: those values are listed in protocol.assumptions.
import type { TrialSeed } from './index.js'

const trial: TrialSeed = {
  trialId: 'NCT06321198', // Identifiers: 'NCT06321198'
  // page title
  title: 'A Trial to Evaluate the Safety and Preliminary Efficacy of iMesenchymal Stromal Cells(iMSC) in Subjects With SR-aGVHD',
  // No phase: the record states none.
  sites: [
    // 'Trial contacts and locations: 1' without the location's name. ASSUMPTION (sites are not part of the
    // protocol document): the one site is the sponsor, 'University of Science and Technology of China (USTC)'.
    { siteId: 'ustc', name: 'University of Science and Technology of China (USTC)' }
  ],
  revision: 'values the record does not state listed as assumptions; stopping rules quote the record',
  protocol: {
    // Arm 'iMSC injection', Description: 'Low dose injection once a week; Low dose injection twice a week;
    // High dose injection once a week; High dose injection twice a week'
    doseLevels: [
      { level: 1, label: 'Low dose once a week' },
      { level: 2, label: 'Low dose twice a week' },
      { level: 3, label: 'High dose once a week' },
      { level: 4, label: 'High dose twice a week' }
    ],
    // No arms: 'Interventional model: Single Group Assignment', '12 participants in 1 patient group'.
    dltDefinition: {
      windowDays: 28,
      windowStart: 'first_administration',
      minGrade: 3,
      attributions: ['possible', 'probable', 'definite']
    },
    // Full description: 'A single center, open label, dose escalation study'
    design: { type: '3+3', startDoseLevel: 1, cohortSize: 3 },
    stoppingRules: [
      { type: 'grade5_related', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' }
    ],
    assumptions: [
      {
        path: '/doseLevels',
        statement: 'The four regimens are four dose levels escalated in the listed order; no amount is given.',
        rationale: 'Weekly exposure rises along the list (low x1, low x2, high x1, high x2 is the only order that never lowers a dose or a frequency at the same time); the record gives no amounts.',
        source: 'Low dose injection once a week; Low dose injection twice a week; High dose injection once a week; High dose injection twice a week;'
      },
      {
        path: '/dltDefinition/windowDays',
        statement: 'DLTs are counted for 28 days from the first injection.',
        rationale: 'The record has no DLT definition; 28 days is four weeks of the weekly or twice-weekly regimen.'
      },
      {
        path: '/dltDefinition/windowStart',
        statement: 'The window runs from the first injection.',
        rationale: 'The record has no DLT definition.'
      },
      {
        path: '/dltDefinition/minGrade',
        statement: 'A DLT is a CTCAE grade 3 or higher adverse event.',
        rationale: 'The conventional threshold; the record defines no DLT. Not yet excluded: the events SR-aGVHD itself causes (cytopenias, gut GVHD, infections), see the seeds plan.'
      },
      {
        path: '/dltDefinition/attributions',
        statement: 'A DLT is at least possibly related to iMSC.',
        rationale: 'The conventional attribution threshold; the record states none.'
      },
      {
        path: '/design/type',
        statement: 'Escalation follows a 3+3 design.',
        rationale: 'The record states a dose escalation but no rule; 12 participants over 4 regimens is one cohort of 3 per regimen.',
        source: 'A single center, open label, dose escalation study; Enrollment 12 estimated patients'
      },
      {
        path: '/design/startDoseLevel',
        statement: 'Escalation starts at the lowest regimen (low dose once a week).',
        rationale: 'The usual start of a first escalation; the record states none.'
      },
      {
        path: '/stoppingRules/0',
        statement: 'A death at least possibly related to iMSC halts the trial.',
        rationale: 'The record states no stopping rule; the 3+3 rule stops escalation by itself, and a related death must stop dosing until reviewed.'
      }
    ]
  }
}

export default trial
