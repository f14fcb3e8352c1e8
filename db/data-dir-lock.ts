import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

// PGlite holds its whole database in the process's memory and writes it back
// to the directory: two processes on one directory each run on their own
// copy, and the last to close overwrites the other's committed writes. So one
// process at a time owns a data directory, for as long as it runs.

const LOCK_FILE = 'dlt-safety.lock'
// Held only while a stale lock is replaced, so that two processes taking it over at once cannot both win.
const TAKEOVER_FILE = 'dlt-safety.lock.takeover'

/** Another live process owns the data directory. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
  constructor (readonly dataDir: string, readonly holderPid: number) {
    super(`DATA_DIR ${dataDir} is in use by process ${holderPid}: one process at a time may run on an embedded data directory`)
  }
}

// Directories this process holds: a second open in the same process is refused too
// (a pid equal to ours in a lock we do not hold is a previous run's, e.g. pid 1 in a container).
const held = new Set<string>()

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const readPid = (file: string): number | null => {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

const isHolder = (dir: string, pid: number | null): boolean =>
  pid !== null && (pid === process.pid ? held.has(dir) : isAlive(pid))

/**
 * Creates the file holding this process's pid, only if it does not exist;
 * false when it does. Written aside and linked into place (link fails on an
 * existing name), so a lock file is never seen without its pid.
 */
function createExclusive (file: string): boolean {
  const draft = `${file}.${process.pid}`
  writeFileSync(draft, `${process.pid}\n`, { mode: 0o600 })
  try {
    linkSync(draft, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(draft)
  }
}

const unlinkIfPresent = (file: string) => {
  try {
    unlinkSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/**
 * Takes the data directory for this process; returns the release function.
 * A lock left by a process that no longer runs is taken over; one held by a
 * live process (or already by this one) throws DataDirLockedError.
 */
export function lockDataDir (dataDir: string): () => void {
  const dir = resolve(dataDir)
  const lock = join(dir, LOCK_FILE)
  const takeover = join(dir, TAKEOVER_FILE)
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(lock)) {
      held.add(dir)
      return () => release(dir, lock)
    }
    const holder = readPid(lock)
    if (isHolder(dir, holder)) throw new DataDirLockedError(dir, holder!)
    // Stale: replace it under the takeover lock.
    if (!createExclusive(takeover)) {
      const other = readPid(takeover)
      if (other !== null && isHolder(dir, other)) throw new DataDirLockedError(dir, other)
      throw new Error(`DATA_DIR ${dir}: ${TAKEOVER_FILE} was left by process ${other ?? '?'}, which no longer runs; remove it and start again`)
    }
    try {
      // Read again under the takeover lock: another process may have replaced it meanwhile.
      const now = readPid(lock)
      if (now !== null && isHolder(dir, now)) throw new DataDirLockedError(dir, now)
      if (now === holder) unlinkIfPresent(lock)
    } finally {
      unlinkIfPresent(takeover)
    }
  }
  throw new Error(`DATA_DIR ${dir}: could not take ${LOCK_FILE}`)
}

function release (dir: string, lock: string): void {
  if (!held.delete(dir)) return
  // Remove it only while it is still ours.
  if (readPid(lock) === process.pid) unlinkIfPresent(lock)
}
