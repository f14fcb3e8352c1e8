// Amendments apply forward (issue #21). A protocol amendment that changes the
// design starts from the data as they stand, but until a DMC decision after it:
// - it may not turn a stop into a go: a trial stopped under the version
//   before stays stopped;
// - it never re-opens a level that was closed under the version before
//   (eliminated by the design or closed by a stopping rule).
//
// The caller takes the limit from the status in force just before the
// amendment (amendmentLimit), keeps it with the trial until the DMC's next
// decision, and applies it to every status evaluated under the new version
// (applyAmendmentLimit).
import type { TrialStatus } from './status.js'

export interface AmendmentLimit {
  /** the protocol version the limit was taken under */
  fromVersion: number
  /** the trial was stopped under that version */
  stopped: boolean
  /** the lowest level closed under that version; null when none was */
  closedFrom: number | null
  /** the decision under that version, for the reasons */
  action: TrialStatus['decision']['action']
}

export function amendmentLimit (before: Pick<TrialStatus, 'state' | 'decision' | 'doseLevels'>, fromVersion: number): AmendmentLimit {
  const levels = before.doseLevels.filter((d) => d.doseLevel > 0)
  const eliminated = levels.filter((d) => d.eliminated).map((d) => d.doseLevel)
  // a stop of escalation closes everything above the level it still allows
  const ruleClosed = before.decision.action === 'stop_escalation'
    ? levels.map((d) => d.doseLevel).filter((l) => before.decision.nextDoseLevel === null || l > before.decision.nextDoseLevel)
    : []
  const closed = [...eliminated, ...ruleClosed]
  return { fromVersion, stopped: before.state === 'stop', closedFrom: closed.length === 0 ? null : Math.min(...closed), action: before.decision.action }
}

export function applyAmendmentLimit (status: TrialStatus, limit: AmendmentLimit | null): TrialStatus {
  if (limit === null) return status
  const since = `protocol version ${limit.fromVersion}`
  const closedFrom = limit.closedFrom ?? Infinity
  const doseLevels = status.doseLevels.map((d) => {
    if (d.doseLevel === 0) return limit.stopped ? { ...d, open: false, capacity: 0 } : d
    if (limit.stopped || d.doseLevel >= closedFrom) return { ...d, open: false, capacity: 0, eliminated: d.eliminated || d.doseLevel >= closedFrom }
    return d
  })
  const stillOpen = doseLevels.some((d) => d.open && d.doseLevel > 0)
  const reopened = status.doseLevels.some((d, i) => d.open && !doseLevels[i]!.open)
  if (!reopened && (!limit.stopped || status.state === 'stop')) return status
  const rules = [...status.decision.rules, 'amendment']
  const notApplied = status.decision.reasons.map((r) => `not applied until a DMC decision: ${r}`)
  if (limit.stopped) {
    return {
      ...status,
      state: 'stop',
      decision: {
        ...status.decision,
        action: limit.action,
        nextDoseLevel: null,
        reasons: [`the trial was stopped (${limit.action}) under ${since}: an amendment does not turn a stop into a go without a DMC decision`, ...notApplied],
        rules
      },
      doseLevels
    }
  }
  const cap = status.decision.nextDoseLevel === null ? null : Math.min(status.decision.nextDoseLevel, closedFrom - 1)
  return {
    ...status,
    state: stillOpen ? status.state : 'hold',
    decision: {
      ...status.decision,
      action: 'stop_escalation',
      nextDoseLevel: stillOpen ? cap : null,
      reasons: [`level ${closedFrom} and above were closed under ${since}: an amendment does not re-open them without a DMC decision`, ...status.decision.reasons],
      rules
    },
    doseLevels
  }
}
