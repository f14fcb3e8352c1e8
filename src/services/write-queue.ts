/**
 * Per owner (a database) and key (a trial), the jobs waiting for the running
 * one to end: they wait here, in the process, and not on a pooled connection
 * blocked on the trial's row lock, so a hot trial holds one connection of this
 * instance and leaves the others to other trials, reads and probes. A job
 * arriving at an idle key runs at once; when a run ends, the jobs that
 * arrived meanwhile run next, in arrival order: the leading ones that `joins`
 * accepts together (at most `max`), any other alone.
 */
export function writeQueue<O extends object, J extends { reject: (error: unknown) => void }> (
  run: (owner: O, key: string, jobs: J[]) => Promise<void>,
  joins: (job: J) => boolean,
  max: number
): { push: (owner: O, key: string, job: J) => void, waiting: (owner: O, key: string) => number } {
  const lines = new WeakMap<O, Map<string, J[]>>()
  const nextGroup = (waiting: J[]) => {
    let size = 1
    if (joins(waiting[0]!)) while (size < waiting.length && size < max && joins(waiting[size]!)) size++
    return waiting.splice(0, size)
  }
  const drain = async (owner: O, byKey: Map<string, J[]>, key: string, waiting: J[]) => {
    while (waiting.length > 0) {
      const group = nextGroup(waiting)
      // run settles its jobs; should it throw, they fail with its error rather than wait for ever.
      await run(owner, key, group).catch((error: unknown) => { for (const job of group) job.reject(error) })
    }
    byKey.delete(key)
  }
  return {
    waiting: (owner, key) => lines.get(owner)?.get(key)?.length ?? 0,
    push (owner, key, job) {
      let byKey = lines.get(owner)
      if (byKey === undefined) lines.set(owner, byKey = new Map())
      const waiting = byKey.get(key)
      if (waiting !== undefined) {
        waiting.push(job)
        return
      }
      const line = [job]
      byKey.set(key, line)
      // Never rejects: every run's failure goes to its jobs.
      drain(owner, byKey, key, line).catch(() => {})
    }
  }
}
