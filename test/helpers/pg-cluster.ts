import { execFile } from 'node:child_process'
import { chownSync, existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// A PostgreSQL cluster of a test's own, for tests that restart or break the
// server (the shared TEST_DATABASE_URL cluster must stay up for the others).
// Uses the server binaries CI installs (/usr/lib/postgresql/<version>/bin).

export interface Cluster {
  url: string
  /** pg_ctl restart -m fast: every backend is terminated, the server is down until it is back */
  restart: () => Promise<void>
  stop: () => Promise<void>
}

const hasServer = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))

/** The directory holding initdb and pg_ctl (PG_BIN, as .ci/run exports it, else the newest under /usr/lib/postgresql), or undefined. */
export function postgresBinaries (): string | undefined {
  const given = process.env.PG_BIN
  if (given !== undefined && given !== '') return hasServer(given) ? given : undefined
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  return readdirSync(root).sort((a, b) => Number(b) - Number(a)).map((v) => join(root, v, 'bin')).find(hasServer)
}

const freePort = async (): Promise<number> => await new Promise((resolve, reject) => {
  const server = createServer()
  server.on('error', reject)
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number }
    server.close(() => resolve(port))
  })
})

// initdb refuses to run as root: as root, the server runs as the postgres user (as in .ci/run).
const asServerUser = (file: string, args: string[]): [string, string[]] => process.getuid?.() === 0
  ? ['su', ['postgres', '-s', '/bin/sh', '-c', [file, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')]]
  : [file, args]

const run = async (file: string, args: string[]): Promise<void> => await new Promise((resolve, reject) => {
  const [command, argv] = asServerUser(file, args)
  execFile(command, argv, { timeout: 60_000 }, (error, stdout, stderr) => {
    if (error === null) resolve()
    else reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`))
  })
})

export async function startCluster (bin: string): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'dlt-test-pg-'))
  if (process.getuid?.() === 0) {
    const { uid, gid } = await idOf('postgres')
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  const port = await freePort()
  await run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options, ...args])
  await pgCtl('start')
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => { await pgCtl('-m', 'fast', 'restart') },
    stop: async () => {
      await pgCtl('-m', 'immediate', 'stop').catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }
}

const idOf = async (user: string): Promise<{ uid: number, gid: number }> => await new Promise((resolve, reject) => {
  execFile('id', ['-u', user], (e1, uid) => {
    if (e1 !== null) return reject(e1)
    execFile('id', ['-g', user], (e2, gid) => e2 === null ? resolve({ uid: Number(uid), gid: Number(gid) }) : reject(e2))
  })
})
