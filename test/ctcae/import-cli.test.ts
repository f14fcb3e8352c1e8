import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parseNciCsv } from '../../src/ctcae/nci-sheet.js'
import { CTCAE_V5_ENTRIES } from '../../src/ctcae/text.js'
import { EXCERPT_PATH, FULL_SHEET_PATH, fullSheetSkip } from '../helpers/ctcae-sheet.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'src/ctcae/import-cli.ts')
// node with tsx's loader, as .taprc runs the tests: the tsx command would start a second node process.
const TSX_LOADER = import.meta.resolve('tsx')

interface Run { code: number, stdout: string, stderr: string }
const run = (args: string[], env: Record<string, string | undefined>, cwd = ROOT): Promise<Run> =>
  new Promise(resolve => {
    execFile(process.execPath, [`--import=${TSX_LOADER}`, CLI, ...args], { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr })
    })
  })
const tmp = () => mkdtemp(join(tmpdir(), 'ctcae-cli-'))

const ALOPECIA_TEXT = {
  1: 'Hair loss of <50% of normal for that individual that is not obvious from a distance but only on close inspection; a different hair style may be required to cover the hair loss but it does not require a wig or hair piece to camouflage',
  2: 'Hair loss of >=50% normal for that individual that is readily apparent to others; a wig or hair piece is necessary if the patient desires to completely camouflage the hair loss; associated with psychosocial impact'
}

// A sheet the CLI accepts without NCI's whole sheet: the committed excerpt's
// records (rows 2-12, Alopecia on row 10), then one made-up record for each
// other dictionary term with the grades the dictionary gives it.
const excerpt = readFileSync(EXCERPT_PATH, 'utf8')
const inExcerpt = new Set(parseNciCsv(excerpt).map(r => r.meddraCode))
const cell = (v: string) => `"${v.replace(/"/g, '""')}"`
const agreeingSheet = excerpt + CTCAE_V5_ENTRIES.filter(e => !inExcerpt.has(e.meddraCode)).map(e =>
  [e.meddraCode, e.soc, e.term, ...[1, 2, 3, 4, 5].map(g => (e.grades as number[]).includes(g) ? `grade ${g}` : ' -'), 'made up', '', '']
    .map(cell).join(',') + '\n').join('')
const writeAgreeingSheet = async (dir: string, text = agreeingSheet) => {
  const path = join(dir, 'sheet.csv')
  await writeFile(path, text)
  return path
}

t.test('imports NCI\'s sheet into DATA_DIR', { skip: fullSheetSkip }, async t => {
  const dataDir = await tmp()
  const r = await run([FULL_SHEET_PATH as string], { DATA_DIR: dataDir })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, `wrote CTCAE v5.0 text for 837 terms to ${join(dataDir, 'ctcae-text.json')}\n`)
  const text = JSON.parse(await readFile(join(dataDir, 'ctcae-text.json'), 'utf8'))
  t.same(text['10001760'].grades, ALOPECIA_TEXT)
})

t.test('imports a sheet that agrees with the dictionary into DATA_DIR', async t => {
  const dataDir = await tmp()
  const sheet = await writeAgreeingSheet(dataDir)
  const r = await run([sheet], { DATA_DIR: dataDir })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, `wrote CTCAE v5.0 text for 837 terms to ${join(dataDir, 'ctcae-text.json')}\n`)
  const text = JSON.parse(await readFile(join(dataDir, 'ctcae-text.json'), 'utf8'))
  t.same(text['10001760'].grades, ALOPECIA_TEXT)
})

t.test('DATA_DIR defaults to ./data', async t => {
  const cwd = await tmp()
  const r = await run([await writeAgreeingSheet(cwd)], { DATA_DIR: undefined }, cwd)
  t.equal(r.code, 0, r.stderr)
  t.ok(existsSync(join(cwd, 'data', 'ctcae-text.json')))
})

t.test('refuses a sheet that disagrees with the dictionary, writing nothing', async t => {
  const dir = await tmp()
  const sheet = join(dir, 'edited.csv')
  await writeFile(sheet, agreeingSheet.replace(',Alopecia,', ',Alopecia areata,'))
  const r = await run([sheet], { DATA_DIR: dir })
  t.equal(r.code, 1)
  t.equal(r.stderr, `ctcae:import: ${sheet}: the sheet does not match the CTCAE v5.0 dictionary in seeds/ctcae/ctcae-v5.json (1 problem):\n` +
    "  - row 10: MedDRA code 10001760 is 'Alopecia', the sheet says 'Alopecia areata'\n")
  t.notOk(existsSync(join(dir, 'ctcae-text.json')))
})

t.test('one clear line for a file that is missing or not the CTCAE sheet', async t => {
  const dir = await tmp()
  const missing = join(dir, 'nope.xlsx')
  const r1 = await run([missing], { DATA_DIR: dir })
  t.equal(r1.code, 1)
  t.match(r1.stderr, new RegExp(`^ctcae:import: ${missing}: ENOENT: no such file or directory`))
  const other = join(dir, 'other.csv')
  await writeFile(other, 'a,b\n1,2\n')
  const r2 = await run([other], { DATA_DIR: dir })
  t.equal(r2.code, 1)
  t.equal(r2.stderr, `ctcae:import: ${other}: not a CTCAE v5.0 sheet: no 'meddra code' column in the header row (found: a, b)\n`)
})

t.test('usage', async t => {
  for (const args of [[], ['a.csv', 'b.csv']]) {
    const r = await run(args, {})
    t.equal(r.code, 2)
    t.match(r.stderr, /^usage: npm run ctcae:import -- FILE/)
  }
})
