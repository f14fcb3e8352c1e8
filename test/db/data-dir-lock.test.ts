// One process per embedded data directory (issue #17): PGlite keeps the
// database in the process's memory and writes it back at close, so a second
// process on the same DATA_DIR would silently run on its own copy and the last
// to close would wipe the other's acknowledged writes. A second process must
// refuse to start, naming the directory and the holder; a lock left by a
// process that died is taken over.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { openDatabase } from '../../db/client.js'
import { DataDirLockedError, lockDataDir } from '../../db/data-dir-lock.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSX_LOADER = import.meta.resolve('tsx')
const tmp = () => mkdtemp(join(tmpdir(), 'dlt-lock-'))
const LOCK = 'dlt-safety.lock'

/** The pid of a process that has exited (and so holds nothing). */
const deadPid = (): number => Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }))

t.test('a directory already held is refused, naming the holder; released, it can be taken again', async (t) => {
  const dir = await tmp()
  const release = lockDataDir(dir)
  t.equal(readFileSync(join(dir, LOCK), 'utf8').trim(), String(process.pid), 'the lock names its holder')
  const error = (() => { try { lockDataDir(dir); return null } catch (e) { return e } })()
  t.ok(error instanceof DataDirLockedError)
  t.match((error as Error).message, new RegExp(`DATA_DIR .*dlt-lock-.* is in use by process ${process.pid}`))
  release()
  t.notOk(existsSync(join(dir, LOCK)), 'released: the lock file is gone')
  lockDataDir(dir)()
})

t.test('a lock left by a process that no longer runs is taken over', async (t) => {
  const dir = await tmp()
  const dead = deadPid()
  writeFileSync(join(dir, LOCK), `${dead}\n`)
  const release = lockDataDir(dir)
  t.equal(readFileSync(join(dir, LOCK), 'utf8').trim(), String(process.pid))
  release()
})

t.test('a lock naming this pid that this process does not hold (a previous run, pid 1 in a container) is stale', async (t) => {
  const dir = await tmp()
  writeFileSync(join(dir, LOCK), `${process.pid}\n`)
  const release = lockDataDir(dir)
  t.throws(() => lockDataDir(dir), { name: 'DataDirLockedError' }, 'taken over: now it is held')
  release()
})

t.test('the embedded database holds its directory until it is closed', async (t) => {
  const dir = await tmp()
  const first = await openDatabase({ dataDir: dir })
  await t.rejects(openDatabase({ dataDir: dir }), { name: 'DataDirLockedError', holderPid: process.pid }, 'a second open on the same DATA_DIR is refused')
  await first.close()
  const again = await openDatabase({ dataDir: dir })
  await again.close()
})

t.test('a second server process on a held DATA_DIR exits 1 with one line naming it and the holder', async (t) => {
  const dir = await tmp()
  const release = lockDataDir(dir)
  t.teardown(release)
  const result = await new Promise<{ code: number, stderr: string }>((resolve) => {
    execFile(process.execPath, [`--import=${TSX_LOADER}`, join(ROOT, 'src/server.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', PORT: '0', LOG_LEVEL: 'silent' },
      timeout: 30_000
    }, (err, _stdout, stderr) => { resolve({ code: err === null ? 0 : Number(err.code), stderr }) })
  })
  t.equal(result.code, 1)
  t.equal(result.stderr, `DATA_DIR ${dir} is in use by process ${process.pid}: one process at a time may run on an embedded data directory\n`)
})
