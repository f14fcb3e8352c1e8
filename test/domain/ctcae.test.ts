import { readFileSync } from 'node:fs'
import t from 'tap'
import {
  createCtcaeDictionary,
  normaliseTerm,
  resolveCtcae,
  type CtcaeEntry
} from '../../src/domain/ctcae.js'

// The committed dictionary, derived from NCI CTCAE v5.0 (27 Nov 2017), sheet
// "CTCAE v5.0 Clean Copy"; facts below are checked against that sheet
// (/work/shared/ctcae/CTCAE_v5.0.csv and its SOURCE.md).
const entries = JSON.parse(readFileSync(new URL('../../seeds/ctcae/ctcae-v5.json', import.meta.url), 'utf8')) as CtcaeEntry[]
const dict = createCtcaeDictionary(entries)

t.test('size and SOCs', async t => {
  // SOURCE.md: 837 unique codes and terms in 26 SOCs.
  t.equal(dict.size, 837)
  const socs = dict.socs()
  t.equal(socs.length, 26)
  t.equal(socs[0], 'Blood and lymphatic system disorders')
  t.equal(socs.at(-1), 'Vascular disorders')
  socs.pop()
  t.equal(dict.socs().length, 26, 'socs() returns a copy')
})

t.test('every term is found by code and by name, and resolves at each of its grades', async t => {
  let checked = 0
  for (const e of entries) {
    if (dict.byCode(e.meddraCode) !== e || dict.byTerm(e.term) !== e) t.fail(`look-up of ${e.term}`)
    for (const grade of e.grades) {
      const r = resolveCtcae(dict, { term: e.term, meddraCode: e.meddraCode, grade, otherSpecify: e.otherSpecify ? 'verbatim event' : undefined })
      if (!r.ok || r.entry !== e) t.fail(`resolve ${e.term} grade ${grade}: ${JSON.stringify(r)}`)
      checked++
    }
  }
  // SOURCE.md: 837 x 5 grade cells, 1,000 of them ' -' (grade not defined).
  t.equal(checked, 837 * 5 - 1000)
})

t.test('look-ups ignore case and surrounding or repeated whitespace', async t => {
  t.equal(dict.byTerm('  ANEMIA ')?.meddraCode, '10002272')
  t.equal(dict.byTerm('death \u00a0 nos')?.meddraCode, '10011914')
  t.equal(dict.byCode(' 10001760 ')?.term, 'Alopecia')
  t.equal(dict.byTerm('Anaemia'), undefined)
  t.equal(dict.byCode('1000227'), undefined)
  t.equal(normaliseTerm('\tNeutrophil   count\u00a0Decreased '), 'neutrophil count decreased')
})

t.test('search', async t => {
  const names = (q: string, options?: Parameters<typeof dict.search>[1]) => dict.search(q, options).map(e => e.term)
  // The only v5.0 terms containing "neutro": one starts with it, one does not.
  t.same(names('neutro'), ['Neutrophil count decreased', 'Febrile neutropenia'])
  t.same(names('  NEUTRO  '), ['Neutrophil count decreased', 'Febrile neutropenia'])
  t.same(names('neutro', { soc: 'investigations' }), ['Neutrophil count decreased'])
  t.same(names('neutro', { limit: 1 }), ['Neutrophil count decreased'])
  t.same(names('neutro', { limit: -1 }), [])
  t.same(names('no such term'), [])
  t.same(names('anemia', { soc: 'No such SOC' }), [])
  // All 12 terms of this SOC, alphabetical (an empty query matches every term as a prefix).
  t.same(names('', { soc: 'Blood and lymphatic system disorders' }), [
    'Anemia',
    'Blood and lymphatic system disorders - Other, specify',
    'Bone marrow hypocellular',
    'Disseminated intravascular coagulation',
    'Eosinophilia',
    'Febrile neutropenia',
    'Hemolysis',
    'Hemolytic uremic syndrome',
    'Leukocytosis',
    'Lymph node pain',
    'Methemoglobinemia',
    'Thrombotic thrombocytopenic purpura'
  ])
  t.equal(dict.search('').length, 50, 'default limit 50')
  t.equal(dict.search('', { limit: 500 }).length, 500)
})

t.test('search is fast enough for every keystroke', async t => {
  const start = performance.now()
  for (let i = 0; i < 1000; i++) dict.search('ane'.slice(0, 1 + (i % 3)))
  // 1,000 searches over 837 terms; a keystroke budget is ~16 ms for one.
  t.ok(performance.now() - start < 1000, 'under 1 ms per search on average')
})

t.test('a dictionary with a repeated code or name is refused', async t => {
  const anemia = entries[0] as CtcaeEntry
  t.throws(() => createCtcaeDictionary([anemia, { ...anemia, term: 'Other' }]), /duplicate MedDRA code 10002272/)
  t.throws(() => createCtcaeDictionary([anemia, { ...anemia, meddraCode: '99999999', term: ' anemia' }]), /duplicate term ' anemia'/)
})

t.test('resolveCtcae: accepted reports', async t => {
  // Anemia, MedDRA 10002272, grades 1-5, SOC Blood and lymphatic system disorders.
  const r = resolveCtcae(dict, { meddraCode: '10002272', grade: 3 })
  t.ok(r.ok)
  if (r.ok) {
    t.equal(r.entry.term, 'Anemia')
    t.equal(r.entry.soc, 'Blood and lymphatic system disorders')
  }
  t.ok(resolveCtcae(dict, { term: 'alopecia', grade: 2 }).ok)
  t.ok(resolveCtcae(dict, { term: '', meddraCode: '10011914', grade: 5 }).ok, 'a blank term is ignored when a code is given')
})

t.test('resolveCtcae: grades CTCAE does not define', async t => {
  // Alopecia: grades 1 and 2 only.
  t.same(resolveCtcae(dict, { term: 'Alopecia', grade: 3 }), {
    ok: false,
    errors: [{ path: '/grade', message: 'grade 3 is not defined for Alopecia in CTCAE v5.0; allowed grades: 1, 2' }]
  })
  // Death NOS: grade 5 only.
  t.same(resolveCtcae(dict, { term: 'Death NOS', grade: 4 }), {
    ok: false,
    errors: [{ path: '/grade', message: 'grade 4 is not defined for Death NOS in CTCAE v5.0; allowed grades: 5' }]
  })
  // Eosinophilia: grades 1 and 3 only.
  t.same(resolveCtcae(dict, { meddraCode: '10014950', grade: 2 }), {
    ok: false,
    errors: [{ path: '/grade', message: 'grade 2 is not defined for Eosinophilia in CTCAE v5.0; allowed grades: 1, 3' }]
  })
  for (const grade of [0, 6, 2.5, Number.NaN]) {
    t.same(resolveCtcae(dict, { term: 'Anemia', grade }), {
      ok: false,
      errors: [{ path: '/grade', message: `grade must be an integer from 1 to 5, got ${grade}` }]
    })
  }
})

t.test('resolveCtcae: unknown and contradictory identification', async t => {
  t.same(resolveCtcae(dict, { grade: 3 }), {
    ok: false,
    errors: [{ path: '/term', message: 'either term or meddraCode is required' }]
  })
  t.same(resolveCtcae(dict, { term: '  ', meddraCode: '', grade: 3 }).ok, false)
  // Every problem is reported at once.
  t.same(resolveCtcae(dict, { term: 'Anaemia', meddraCode: '12345678', grade: 7 }), {
    ok: false,
    errors: [
      { path: '/term', message: "'Anaemia' is not a CTCAE v5.0 term" },
      { path: '/meddraCode', message: '12345678 is not a MedDRA code of a CTCAE v5.0 term' },
      { path: '/grade', message: 'grade must be an integer from 1 to 5, got 7' }
    ]
  })
  // Code of Alopecia with the name Anemia: the grade is checked against both.
  t.same(resolveCtcae(dict, { term: 'Anemia', meddraCode: '10001760', grade: 4 }), {
    ok: false,
    errors: [
      { path: '/meddraCode', message: "meddraCode 10001760 is 'Alopecia' but term is 'Anemia' (MedDRA code 10002272)" },
      { path: '/grade', message: 'grade 4 is not defined for Alopecia in CTCAE v5.0; allowed grades: 1, 2' }
    ]
  })
})

t.test("resolveCtcae: 'Other, specify' terms need the event named", async t => {
  // MedDRA 10005329: 'Blood and lymphatic system disorders - Other, specify', grades 1-5.
  const term = 'Blood and lymphatic system disorders - Other, specify'
  const error = { path: '/otherSpecify', message: `'${term}' requires otherSpecify naming the event` }
  t.same(resolveCtcae(dict, { term, grade: 2 }), { ok: false, errors: [error] })
  t.same(resolveCtcae(dict, { meddraCode: '10005329', grade: 2, otherSpecify: ' ' }), { ok: false, errors: [error] })
  const r = resolveCtcae(dict, { meddraCode: '10005329', grade: 2, otherSpecify: 'Splenic infarction' })
  t.ok(r.ok && r.entry.term === term)
})

// Issue #15 ("honest labels"): a verbatim name on an ordinary term would show the event under a
// label it does not have; the dictionary's otherSpecify flag (the 26 '<SOC> - Other, specify'
// terms) is the only place it belongs. A blank one is no name and is ignored.
t.test("resolveCtcae: otherSpecify only on the 'Other, specify' terms", async t => {
  const rows: [string, { term?: string, meddraCode?: string, grade: number, otherSpecify?: string }, boolean][] = [
    ['ordinary term with a name', { term: 'Anemia', grade: 3, otherSpecify: 'Splenic infarction' }, false],
    ['ordinary code with a name', { meddraCode: '10002272', grade: 3, otherSpecify: 'x' }, false],
    ['ordinary term, blank name', { term: 'Anemia', grade: 3, otherSpecify: '  ' }, true],
    ['ordinary term, no name', { term: 'Anemia', grade: 3 }, true],
    ['Other, specify with a name', { meddraCode: '10005329', grade: 3, otherSpecify: 'Splenic infarction' }, true]
  ]
  for (const [name, report, ok] of rows) t.equal(resolveCtcae(dict, report).ok, ok, name)
  t.same(resolveCtcae(dict, { term: 'Anemia', grade: 3, otherSpecify: 'Splenic infarction' }), {
    ok: false,
    errors: [{ path: '/otherSpecify', message: "otherSpecify applies only to the CTCAE '<SOC> - Other, specify' terms, not to 'Anemia'" }]
  })
})
