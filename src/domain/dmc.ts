// The DMC decision in force, from the trial's DMC decisions and admin
// reopenings in the order they were made.
//
// `pause` holds enrolment and dosing until a later `continue` or `modify`.
// `terminate` is final for the DMC path: no later DMC decision lifts it;
// only an admin `reopen` with its reason (audited by the caller) does.
// A `pause` after a termination does not soften it.

export type DmcStep =
  | { decision: 'continue' | 'modify' | 'pause' | 'terminate' }
  | { decision: 'reopen', reason: string }

export type DmcInForce = 'pause' | 'terminate' | null

export function dmcInForce (steps: DmcStep[]): DmcInForce {
  return steps.reduce<DmcInForce>((held, step) => {
    if (step.decision === 'reopen') return held === 'terminate' ? null : held
    if (held === 'terminate') return held
    if (step.decision === 'pause' || step.decision === 'terminate') return step.decision
    return null
  }, null)
}
