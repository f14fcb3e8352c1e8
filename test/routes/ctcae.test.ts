import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { parseNciCsv } from '../../src/ctcae/nci-sheet.js'
import { CTCAE_V5_ENTRIES, importCtcaeText } from '../../src/ctcae/text.js'
import { TEST_SECRET, bearer, build } from '../helpers/build.js'
import { EXCERPT_PATH, FULL_SHEET_PATH, excerptEntries } from '../helpers/ctcae-sheet.js'

// Expected values come from NCI's CTCAE v5.0 sheet (27 Nov 2017; provenance in
// /work/shared/ctcae/SOURCE.md), through the committed dictionary derived from
// it (837 terms) and the text of the terms below.

// This file's app serves NCI's text, imported as a user would (npm run ctcae:import):
// the whole sheet where it is available, else the committed excerpt.
const dataDir = mkdtempSync(join(tmpdir(), 'ctcae-text-'))
if (FULL_SHEET_PATH === undefined) {
  await importCtcaeText(EXCERPT_PATH, dataDir, excerptEntries(parseNciCsv(readFileSync(EXCERPT_PATH, 'utf8')).map(r => r.meddraCode)))
} else {
  await importCtcaeText(FULL_SHEET_PATH, dataDir)
}
const dictionary = CTCAE_V5_ENTRIES
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const { app } = await build({ DATA_DIR: dataDir })
const auth = bearer('edc', { sites: ['s1'] })

t.test('all 837 CTCAE v5.0 terms are known, each with the grades NCI defines', async t => {
  t.equal(dictionary.length, 837)
  const seen: { meddraCode: string, term: string, soc: string, grades: Record<string, string | null> }[] = []
  let cursor: string | null = null
  do {
    const res = await app.inject({ method: 'GET', url: `/v1/ctcae/terms?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`, headers: auth })
    t.equal(res.statusCode, 200)
    const body: { items: typeof seen, nextCursor: string | null } = res.json()
    seen.push(...body.items)
    cursor = body.nextCursor
  } while (cursor !== null)
  t.equal(seen.length, 837)
  const byCode = new Map(seen.map(s => [s.meddraCode, s]))
  const mismatches = dictionary.filter(entry => {
    const got = byCode.get(entry.meddraCode)
    return got === undefined || got.term !== entry.term || got.soc !== entry.soc ||
      Object.keys(got.grades).join() !== entry.grades.join()
  })
  t.same(mismatches.map(m => m.term), [], 'every term is served with its term, SOC and grades')
})

t.test('one term by MedDRA code, with NCI\'s text when imported', async t => {
  const res = await app.inject({ method: 'GET', url: '/v1/ctcae/terms/10002272', headers: bearer('dmc') })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    meddraCode: '10002272',
    term: 'Anemia',
    soc: 'Blood and lymphatic system disorders',
    otherSpecify: false,
    definition: 'A disorder characterized by a reduction in the amount of hemoglobin in 100 ml of blood. Signs and symptoms of anemia may include pallor of the skin and mucous membranes, shortness of breath, palpitations of the heart, soft systolic murmurs, lethargy, and fatigability.',
    grades: {
      1: 'Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L',
      2: 'Hgb <10.0 - 8.0 g/dL; <6.2 - 4.9 mmol/L; <100 - 80g/L',
      3: 'Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated',
      4: 'Life-threatening consequences; urgent intervention indicated',
      5: 'Death'
    }
  })
  // Alopecia: grades 1 and 2 only; Death NOS: grade 5 only.
  const alopecia = (await app.inject({ method: 'GET', url: '/v1/ctcae/terms/10001760', headers: auth })).json()
  t.same(Object.keys(alopecia.grades), ['1', '2'])
  const death = (await app.inject({ method: 'GET', url: '/v1/ctcae/terms/10011914', headers: auth })).json()
  t.same(death.grades, { 5: 'Death' })
  t.equal(death.definition, 'Death that cannot be attributed to a CTCAE term associated with Grade 5.')
})

t.test('unknown code is 404, malformed code is 400, no token is 401', async t => {
  const unknown = await app.inject({ method: 'GET', url: '/v1/ctcae/terms/12345678', headers: auth })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { status: 404, detail: 'CTCAE v5.0 term with MedDRA code 12345678 not found' })
  const bad = await app.inject({ method: 'GET', url: '/v1/ctcae/terms/anemia', headers: auth })
  t.equal(bad.statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/v1/ctcae/terms?q=neutro' })).statusCode, 401)
})

t.test('search: substring, case- and whitespace-insensitive, prefix matches first', async t => {
  const res = await app.inject({ method: 'GET', url: '/v1/ctcae/terms?q=neutro', headers: auth })
  t.equal(res.statusCode, 200)
  const terms = res.json().items.map((i: { term: string }) => i.term)
  t.ok(terms.includes('Neutrophil count decreased'))
  // CTCAE v5.0: the terms containing "neutro" (case-insensitive).
  const expected = dictionary.filter(r => r.term.toLowerCase().includes('neutro')).map(r => r.term)
  t.same([...terms].sort(), [...expected].sort())
  t.equal(terms[0], 'Neutrophil count decreased', 'the term starting with q comes first')
  t.equal(res.json().nextCursor, null)

  const spaced = await app.inject({ method: 'GET', url: `/v1/ctcae/terms?q=${encodeURIComponent('  NEUTROPHIL   count ')}`, headers: auth })
  t.same(spaced.json().items.map((i: { term: string }) => i.term), ['Neutrophil count decreased'])
})

t.test('search within one SOC, and paging', async t => {
  const soc = 'Blood and lymphatic system disorders'
  const all = dictionary.filter(r => r.soc === soc)
  const res = await app.inject({ method: 'GET', url: `/v1/ctcae/terms?soc=${encodeURIComponent(soc.toUpperCase())}&limit=500`, headers: auth })
  t.equal(res.json().items.length, all.length)
  t.ok(res.json().items.every((i: { soc: string }) => i.soc === soc))

  const first = (await app.inject({ method: 'GET', url: `/v1/ctcae/terms?soc=${encodeURIComponent(soc)}&limit=3`, headers: auth })).json()
  t.equal(first.items.length, 3)
  t.type(first.nextCursor, 'string')
  const second = (await app.inject({ method: 'GET', url: `/v1/ctcae/terms?soc=${encodeURIComponent(soc)}&limit=500&cursor=${first.nextCursor}`, headers: auth })).json()
  t.same([...first.items, ...second.items].map((i: { meddraCode: string }) => i.meddraCode), res.json().items.map((i: { meddraCode: string }) => i.meddraCode))
  t.equal(second.nextCursor, null)

  const badCursor = await app.inject({ method: 'GET', url: '/v1/ctcae/terms?cursor=abc', headers: auth })
  t.equal(badCursor.statusCode, 400)
})

t.test('without the imported text, grades exist but their text is null', async t => {
  const emptyDir = mkdtempSync(join(tmpdir(), 'ctcae-none-'))
  t.teardown(() => rmSync(emptyDir, { recursive: true, force: true }))
  const bare = await buildApp(loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', MIGRATE_ON_START: 'false', DATA_DIR: emptyDir }), {
    database: app.database, logLevel: 'silent'
  })
  t.teardown(() => bare.close())
  const res = await bare.inject({ method: 'GET', url: '/v1/ctcae/terms/10001760', headers: auth })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    meddraCode: '10001760',
    term: 'Alopecia',
    soc: 'Skin and subcutaneous tissue disorders',
    otherSpecify: false,
    definition: null,
    grades: { 1: null, 2: null }
  })
})
