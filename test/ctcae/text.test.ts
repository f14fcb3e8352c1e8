import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { CtcaeEntry } from '../../src/domain/ctcae.js'
import { parseNciCsv, type NciRow } from '../../src/ctcae/nci-sheet.js'
import {
  CTCAE_V5_ENTRIES,
  CtcaeImportError,
  buildTextMap,
  importCtcaeText,
  verifyAgainstDictionary
} from '../../src/ctcae/text.js'
import { EXCERPT_PATH, FULL_SHEET_PATH, excerptEntries, fullSheetSkip } from '../helpers/ctcae-sheet.js'

// The committed excerpt of NCI's CTCAE v5.0 sheet (test/helpers/ctcae-sheet.ts),
// checked against the dictionary entries of its 11 terms. Its rows (header =
// row 1): Anemia 2, Death NOS 5, Alopecia 10.
const csv = readFileSync(EXCERPT_PATH, 'utf8')
const rows = parseNciCsv(csv)
const excerpt = excerptEntries(rows.map(r => r.meddraCode))
const entries = CTCAE_V5_ENTRIES
const tmp = () => mkdtemp(join(tmpdir(), 'ctcae-text-'))

t.test('the committed dictionary is the one in seeds/', async t => {
  t.equal(entries.length, 837)
  t.same(entries, JSON.parse(readFileSync(new URL('../../seeds/ctcae/ctcae-v5.json', import.meta.url), 'utf8')))
})

t.test('buildTextMap: definition and only the grades that exist, keyed by MedDRA code', async t => {
  const map = buildTextMap(rows)
  t.equal(Object.keys(map).length, 11)
  t.same(Object.keys(map['10002272']?.grades ?? {}), ['1', '2', '3', '4', '5'])
  t.equal(map['10002272']?.grades['1'], 'Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L')
  t.same(Object.keys(map['10001760']?.grades ?? {}), ['1', '2'])
  t.same(map['10011914'], { definition: 'Death that cannot be attributed to a CTCAE term associated with Grade 5.', grades: { 5: 'Death' } })
  t.equal(map['10005329']?.definition, null, "'Other, specify' terms have no definition")
})

t.test('verifyAgainstDictionary: NCI\'s sheet agrees with the dictionary', { skip: fullSheetSkip }, async t => {
  t.same(verifyAgainstDictionary(parseNciCsv(readFileSync(FULL_SHEET_PATH as string, 'utf8')), entries), [])
})

t.test('verifyAgainstDictionary: the excerpt agrees with its terms\' entries', async t => {
  t.equal(excerpt.length, 11)
  t.same(verifyAgainstDictionary(rows, excerpt), [])
})

t.test('verifyAgainstDictionary: every disagreement is named', async t => {
  const change = (term: string, f: (r: NciRow) => NciRow) => rows.map(r => r.term === term ? f(r) : r)
  t.same(verifyAgainstDictionary(change('Alopecia', r => ({ ...r, grades: { ...r.grades, 3: 'Total hair loss' } })), excerpt),
    ['row 10: Alopecia has grades 1, 2, the sheet has 1, 2, 3'])
  t.same(verifyAgainstDictionary(change('Anemia', r => ({ ...r, term: 'Anaemia', soc: 'Investigations' })), excerpt), [
    "row 2: MedDRA code 10002272 is 'Anemia', the sheet says 'Anaemia'",
    "row 2: Anemia is in SOC 'Blood and lymphatic system disorders', the sheet says 'Investigations'"
  ])
  t.same(verifyAgainstDictionary(change('Anemia', r => ({ ...r, meddraCode: '99999999' })), excerpt), [
    'row 2: MedDRA code 99999999 (Anemia) is not in CTCAE v5.0',
    'Anemia (MedDRA code 10002272) is missing from the sheet'
  ])
  const [first] = rows as [NciRow]
  t.same(verifyAgainstDictionary([...rows, { ...first, row: 13 }], excerpt), ['row 13: MedDRA code 10002272 already on row 2'])
})

t.test('importCtcaeText writes DATA_DIR/ctcae-text.json', async t => {
  const dir = join(await tmp(), 'nested', 'data')
  const { path, terms } = await importCtcaeText(EXCERPT_PATH, dir, excerpt)
  t.equal(path, join(dir, 'ctcae-text.json'))
  t.equal(terms, 11)
  const written = JSON.parse(await readFile(path, 'utf8'))
  t.same(written, buildTextMap(rows))
  t.same(await readdir(dir), ['ctcae-text.json'], 'no temporary file left behind')
})

t.test('importCtcaeText refuses a sheet that disagrees, and writes nothing', async t => {
  const dir = await tmp()
  const sheet = join(dir, 'edited.csv')
  // Alopecia given a grade 3 it does not have in CTCAE v5.0.
  await writeFile(sheet, csv.replace(/(,Alopecia,[^\n]*?), -,/, '$1,Total hair loss,'))
  await t.rejects(importCtcaeText(sheet, dir, excerpt), new CtcaeImportError(['row 10: Alopecia has grades 1, 2, the sheet has 1, 2, 3']))
  t.same(await readdir(dir), ['edited.csv'])
})

t.test('importCtcaeText: NCI\'s whole sheet against the whole dictionary', { skip: fullSheetSkip }, async t => {
  const dir = await tmp()
  const { terms } = await importCtcaeText(FULL_SHEET_PATH as string, dir)
  t.equal(terms, 837)
})

t.test('CtcaeImportError lists the first 20 problems', async t => {
  const dir = await tmp()
  const sheet = join(dir, 'short.csv')
  await writeFile(sheet, csv.split('\n').slice(0, 2).join('\n'))
  const err = await importCtcaeText(sheet, dir, entries).then(() => null, (e: unknown) => e)
  t.ok(err instanceof CtcaeImportError)
  const problems = (err as CtcaeImportError).problems
  t.equal(problems.length, 836, 'every term but Anemia is missing')
  const lines = (err as CtcaeImportError).message.split('\n')
  t.equal(lines[0], 'the sheet does not match the CTCAE v5.0 dictionary in seeds/ctcae/ctcae-v5.json (836 problems):')
  t.equal(lines[1], '  - Blood and lymphatic system disorders - Other, specify (MedDRA code 10005329) is missing from the sheet')
  t.equal(lines.length, 22)
  t.equal(lines[21], '  ... and 816 more')
  t.equal(new CtcaeImportError(['one']).message, 'the sheet does not match the CTCAE v5.0 dictionary in seeds/ctcae/ctcae-v5.json (1 problem):\n  - one')
})

t.test('a dictionary entry changed after the build is caught', async t => {
  const edited: CtcaeEntry[] = excerpt.map(e => e.meddraCode === '10011914' ? { ...e, grades: [4, 5] } : e)
  t.same(verifyAgainstDictionary(rows, edited), ['row 5: Death NOS has grades 4, 5, the sheet has 5'])
})
