// The controlled vocabularies of an adverse-event report, each one list the
// route schemas, the domain checks and the exports derive from.

/** ICH E2A seriousness criteria */
export const SERIOUSNESS_CRITERIA = ['death', 'life_threatening', 'hospitalization', 'disability', 'congenital_anomaly', 'important_medical_event'] as const
export type SeriousnessCriterion = typeof SERIOUSNESS_CRITERIA[number]

export const AE_OUTCOMES = ['recovered', 'recovering', 'not_recovered', 'recovered_with_sequelae', 'fatal', 'unknown'] as const
export type AeOutcome = typeof AE_OUTCOMES[number]

/** the investigator's causality assessment, least to most related */
export const ATTRIBUTIONS = ['unrelated', 'unlikely', 'possible', 'probable', 'definite'] as const
export type Attribution = typeof ATTRIBUTIONS[number]

/** the regulatory reports a serious AE can make due (src/domain/sae-clocks.ts) */
export const SAE_REPORT_KINDS = ['initial_24h', 'susar_7d', 'susar_15d'] as const
export type SaeReportKind = typeof SAE_REPORT_KINDS[number]

/** a DLT verdict (src/domain/dlt.ts): not decided yet is pending, or needs_information when the site must state a fact */
export const DLT_VERDICTS = ['dlt', 'not_dlt', 'pending', 'needs_information'] as const

/** the participant's phase on the day an AE began (src/domain/ae-report.ts phaseAtOnset) */
export const PARTICIPANT_PHASES = ['on_treatment', 'follow_up', 'off_study'] as const
