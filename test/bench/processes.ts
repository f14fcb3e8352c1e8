// Child processes of the benchmark (the service, the baseline server): spawned
// with their own environment, their output kept in a log file, their resident
// set sampled from /proc, and killed by pid when the harness ends.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export const HOST = '127.0.0.1'

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

export interface Child {
  name: string
  pid: number
  port: number
  url: string
  logFile: string
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited */
  stop: (graceMs?: number) => Promise<void>
  exited: () => boolean
}

const running = new Set<ChildProcess>()

/** Kills every child still running (used on signals and at exit); synchronous so it can run in 'exit'. */
export function killAllChildren (): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try { process.kill(child.pid, 'SIGKILL') } catch { /* gone */ }
    }
  }
  running.clear()
}

export interface SpawnOptions {
  name: string
  args: string[]
  env: Record<string, string>
  port: number
  logFile: string
  cwd: string
}

export function spawnNode (options: SpawnOptions): Child {
  const fd = openSync(options.logFile, 'a')
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    // Only what the child needs, so that a DATABASE_URL of the caller's shell cannot leak into the embedded run.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', fd, fd]
  })
  closeSync(fd)
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`)
  running.add(child)
  const done = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve() }))
  const exited = () => child.exitCode !== null || child.signalCode !== null
  return {
    name: options.name,
    pid: child.pid,
    port: options.port,
    url: `http://${HOST}:${options.port}`,
    logFile: options.logFile,
    exited,
    async stop (graceMs = 15_000) {
      if (exited()) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => { if (!exited()) child.kill('SIGKILL') }, graceMs)
      await done
      clearTimeout(timer)
    }
  }
}

const tail = (file: string) => {
  try { return readFileSync(file, 'utf8').split('\n').slice(-25).join('\n') } catch { return '' }
}

/** Polls `path` until it answers 200; fails with the child's last log lines when it exits or times out. */
export async function waitReady (child: Child, path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exited()) throw new Error(`${child.name} exited during start:\n${tail(child.logFile)}`)
    try {
      const res = await fetch(child.url + path, { signal: AbortSignal.timeout(2000) })
      if (res.status === 200) return
    } catch { /* not listening yet */ }
    await sleep(200)
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms:\n${tail(child.logFile)}`)
}

/** Resident set size of a process in bytes (VmRSS), or null when it is gone. */
export function rssBytes (pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? null : Number(m[1]) * 1024
  } catch {
    return null
  }
}

/** Samples a process's RSS every intervalMs and keeps the peak, overall and per named phase. */
export class RssSampler {
  peak = 0
  readonly phases = new Map<string, number>()
  private phase: string | null = null
  private readonly timer: NodeJS.Timeout

  constructor (private readonly pid: number, intervalMs = 200) {
    this.timer = setInterval(() => { this.sample() }, intervalMs)
    this.timer.unref()
    this.sample()
  }

  private sample (): void {
    const rss = rssBytes(this.pid)
    if (rss === null) return
    if (rss > this.peak) this.peak = rss
    if (this.phase !== null && rss > (this.phases.get(this.phase) ?? 0)) this.phases.set(this.phase, rss)
  }

  enter (phase: string | null): void {
    this.sample()
    this.phase = phase
    this.sample()
  }

  stop (): void {
    this.sample()
    clearInterval(this.timer)
  }
}
