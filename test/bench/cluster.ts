// A throwaway PostgreSQL cluster, started the way CI starts one (.ci/run):
// server binaries under /usr/lib/postgresql/*/bin, initdb as the postgres
// user into a temp dir, pg_ctl on a free loopback port; stopped and removed
// by stop(). pg_stat_statements is preloaded so that the harness can name the
// queries each scenario spends its database time in.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './processes.js'

export interface Cluster {
  url: string
  /** true when pg_stat_statements was preloaded (own cluster only) */
  statStatements: boolean
  stop: () => void
}

function serverBinaries (): string | null {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) {
    const dir = join(root, v, 'bin')
    if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir
  }
  return null
}

const asPostgres = (command: string) =>
  execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 })

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`

/**
 * Starts a cluster, or returns null (with the reason on stderr) when this
 * machine cannot. Durable unless `fastUnsafe`: fsync and synchronous_commit
 * on, as PostgreSQL ships and production runs, so that every commit waits for
 * its flush; `fastUnsafe` turns fsync off, as CI's throwaway cluster does.
 */
export async function startCluster (log: (line: string) => void, fastUnsafe = false): Promise<Cluster | null> {
  const bin = serverBinaries()
  if (bin === null) {
    log('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin')
    return null
  }
  const dir = mkdtempSync(join(tmpdir(), 'dlt-bench-pg.'))
  const data = join(dir, 'data')
  const pgCtl = join(bin, 'pg_ctl')
  let started = false
  const stop = () => {
    if (started) {
      try { asPostgres(`${quote(pgCtl)} -D ${quote(data)} -m immediate stop`) } catch { /* already stopped */ }
      started = false
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' })
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()))
    const port = await freePort()
    asPostgres(`${quote(join(bin, 'initdb'))} -D ${quote(data)} -A trust -U postgres --no-sync`)
    // 300 connections as in CI, plus enough shared buffers for the 1M-AE
    // dataset and pg_stat_statements for the per-query figures.
    const options = [
      `-p ${port}`, `-k ${quote(dir)}`, '-c listen_addresses=127.0.0.1', ...(fastUnsafe ? ['-c fsync=off'] : []), '-c max_connections=300',
      '-c shared_buffers=512MB', '-c shared_preload_libraries=pg_stat_statements', '-c pg_stat_statements.track=all'
    ].join(' ')
    started = true
    asPostgres(`${quote(pgCtl)} -D ${quote(data)} -l ${quote(join(dir, 'server.log'))} -w -t 60 -o ${quote(options)} start`)
    log(`PostgreSQL (${bin}) listening on 127.0.0.1:${port}, data in ${data}`)
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, statStatements: true, stop }
  } catch (error) {
    const e = error as { stderr?: Buffer, message: string }
    log(`could not start a PostgreSQL cluster: ${e.stderr?.toString().trim() || e.message}`)
    stop()
    return null
  }
}
