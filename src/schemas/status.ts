import { z } from 'zod'

const action = z.enum(['escalate', 'stay', 'de_escalate', 'expand_cohort', 'stop_escalation', 'mtd_reached', 'halt_trial', 'complete'])

export const decisionBlockSchema = z.object({
  action,
  nextDoseLevel: z.number().int().nullable(),
  mtdDoseLevel: z.number().int().nullable().optional(),
  reasons: z.array(z.string()),
  rules: z.array(z.string()).describe('the design name and the id of every stopping rule that fired')
})

export const doseLevelStatusSchema = z.object({
  doseLevel: z.number().int(),
  armId: z.string().optional(),
  enrolled: z.number().int(),
  evaluable: z.number().int(),
  pending: z.number().int().describe('enrolled, DLT window not complete and no DLT yet: not evaluable'),
  dlts: z.number().int(),
  dltRate: z.number().nullable(),
  ci95: z.tuple([z.number(), z.number()]).describe('exact (Clopper-Pearson) 95% interval of the DLT rate'),
  open: z.boolean().describe('a participant may be enrolled or dosed here now'),
  eliminated: z.boolean(),
  capacity: z.number().int().nullable().describe('how many more may be enrolled now (null: no limit)'),
  sentinelWaitUntil: z.string().nullable().optional()
})

export const statusSchema = z.object({
  trialId: z.string(),
  asOf: z.string(),
  protocolVersion: z.number().int(),
  decisionId: z.string().describe('the decision this status stands on (for DMC decisions)'),
  state: z.enum(['go', 'hold', 'stop']),
  decision: decisionBlockSchema,
  doseLevels: z.array(doseLevelStatusSchema),
  nextChangeAt: z.string().nullable().describe('when a DLT window closes next, changing the status by time alone')
}).meta({ id: 'TrialStatus' })

export const decisionSchema = z.object({
  decisionId: z.string(),
  at: z.string(),
  trigger: z.record(z.string(), z.unknown()),
  protocolVersion: z.number().int(),
  state: z.enum(['go', 'hold', 'stop']),
  action,
  nextDoseLevel: z.number().int().nullable(),
  serviceVersion: z.string(),
  snapshot: z.record(z.string(), z.unknown()).describe('the counts, participants evaluable or pending, design parameters and rules the decision was computed from, and the protocol\'s assumptions (values its trial record does not state) where it lists any')
}).meta({ id: 'Decision' })

export const decisionTableSchema = z.object({
  design: z.string(),
  protocolVersion: z.number().int(),
  rows: z.array(z.object({
    n: z.number().int(),
    escalateIfDltsAtMost: z.number().int().nullable(),
    deEscalateIfDltsAtLeast: z.number().int().nullable(),
    eliminateIfDltsAtLeast: z.number().int().nullable(),
    rules: z.array(z.object({
      ruleId: z.string(),
      actsIfDltsAtLeast: z.number().int().nullable().describe('the fewest DLTs among n evaluable at which the rule acts; null: not at this n')
    })).describe('the stopping rules that read DLT counts (rate rules), with the minimum evaluable count they state')
  }))
})

export const summarySchema = z.object({
  trialId: z.string(),
  asOf: z.string(),
  protocolVersion: z.number().int(),
  groups: z.array(z.object({
    doseLevel: z.number().int(),
    armId: z.string().optional(),
    enrolled: z.number().int(),
    evaluable: z.number().int(),
    pending: z.number().int(),
    dlts: z.number().int(),
    dltRate: z.number().nullable(),
    ci95: z.tuple([z.number(), z.number()]),
    participantsByWorstGrade: z.record(z.string(), z.number().int()).describe('grade "0" = no AE'),
    saes: z.number().int(),
    exposure: z.object({
      participants: z.number().int(),
      dosed: z.number().int().describe('participants dosed at least once'),
      administrations: z.record(z.enum(['received', 'off_window', 'due', 'upcoming', 'missed', 'not_given']), z.number().int())
        .describe('planned administrations of the dosed participants, by status'),
      unplanned: z.number().int().describe('administrations beyond the schedule'),
      dltPeriod: z.object({ planned: z.number().int(), received: z.number().int() })
        .describe('DLT-period administrations planned and received, over the dosed participants')
    }).nullable().describe('exposure against the planned schedule, in the sites\' calendars; null when the protocol plans none for the group, or for a past asOf')
  })),
  toxicity: z.array(z.object({
    doseLevel: z.number().int(),
    armId: z.string().nullable(),
    soc: z.string(),
    term: z.string(),
    grade: z.number().int(),
    participants: z.number().int().describe('participants whose worst grade for this term is this grade')
  }))
}).meta({ id: 'TrialSummary' })
