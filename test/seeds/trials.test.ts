import { existsSync, readFileSync, readdirSync } from 'node:fs'
import t from 'tap'
import { parseProtocol } from '../../src/domain/protocol.js'
import { resolvePointer } from '../../src/lib/json-pointer.js'
import trials from '../../seeds/trials/index.js'
import nct07295067 from '../../seeds/trials/NCT07295067.js'

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
// The trial records the seeds translate, beside the repository (CI) but not part of it.
const RECORDS_DIR = new URL('../../../shared/trials/', import.meta.url)

t.test('one seed per trial record', { skip: existsSync(RECORDS_DIR) ? false : 'the trial records (../shared/trials beside the repository) are not available' }, async t => {
  t.same(trials.map(s => s.trialId).sort(), readdirSync(RECORDS_DIR).map(f => f.replace(/\.txt$/, '')).sort())
})

t.test('seeds in index order', async t => {
  t.same(trials.map(s => s.trialId), ['NCT07295067', 'NCT07101484', 'NCT06321198', 'NCT03123458', 'NCT06813157'])
})

// Each record's text, whitespace collapsed, for checking quotes against it.
const recordText = (trialId: string) =>
  readFileSync(new URL(`${trialId}.txt`, RECORDS_DIR), 'utf8').replace(/\s+/g, ' ')

for (const seed of trials) {
  t.test(`${seed.trialId}: every assumption names a value of the parsed protocol`, async t => {
    const r = parseProtocol(seed.protocol)
    t.ok(r.ok)
    if (!r.ok) return
    const assumptions = r.protocol.assumptions ?? []
    t.ok(assumptions.length > 0, 'the record leaves values open, and they are listed')
    for (const a of assumptions) t.ok(resolvePointer(r.protocol, a.path).found, `${a.path} resolves`)
  })

  t.test(`${seed.trialId}: every stopping rule quotes the record or is explained by an assumption`, async t => {
    const r = parseProtocol(seed.protocol)
    t.ok(r.ok, 'protocol parses')
    if (!r.ok) return
    const paths = (r.protocol.assumptions ?? []).map(a => a.path)
    r.protocol.stoppingRules.forEach((rule, i) => {
      const at = `/stoppingRules/${i}`
      t.ok(rule.source !== undefined || paths.some(p => p === at || p.startsWith(at + '/')), `${at} (${rule.type}) has a source or an assumption`)
    })
  })

  t.test(`${seed.trialId}: every source quote is the record's words`, { skip: existsSync(RECORDS_DIR) ? false : 'the trial records (../shared/trials beside the repository) are not available' }, async t => {
    const text = recordText(seed.trialId)
    const r = parseProtocol(seed.protocol)
    t.ok(r.ok, 'protocol parses')
    if (!r.ok) return
    const quotes = [...r.protocol.stoppingRules.map(rule => rule.source), ...(r.protocol.assumptions ?? []).map(a => a.source)]
    // A quote may elide with '...' or join record phrases with '; ': each piece must appear in the record.
    for (const quote of quotes.filter(q => q !== undefined)) {
      for (const piece of quote.split(/ ?\.\.\. ?|; /).map(p => p.trim()).filter(p => p.length > 0)) {
        t.ok(text.includes(piece), `${JSON.stringify(piece)} is in ${seed.trialId}.txt`)
      }
    }
  })

  t.test(`${seed.trialId}: protocol parses with no error, ids are valid`, async t => {
    const r = parseProtocol(seed.protocol)
    t.same(r.ok ? [] : r.errors, [])
    t.match(seed.trialId, ID)
    t.ok(seed.sites.length >= 1)
    for (const site of seed.sites) t.match(site.siteId, ID)
    t.ok(seed.title.length > 0)
  })
}

t.test('NCT07295067: the record\'s 3+3 with its schedule, DLT definition, DMC and stopping rules', async t => {
  const r = parseProtocol(nct07295067.protocol)
  t.ok(r.ok)
  if (!r.ok) return
  const p = r.protocol
  // detailedDescription: cohorts of 1, 2 and 3 x 10^11 particles.
  t.same(p.doseLevels.map(d => [d.level, d.label]), [[1, '1e11 particles'], [2, '2e11 particles'], [3, '3e11 particles']])
  t.equal(p.arms, undefined)
  // 'administered once a month, for a total of three months'; escalation gated by the first injection.
  t.same(p.schedule, { administrations: [{ day: 0 }, { day: 28, windowDays: 7 }, { day: 56, windowDays: 7 }], dltPeriodAdministrations: 1 })
  // primaryOutcomes[0]: grade >= 3, possibly/likely/definitely related, with symptoms and treatment, within 14 days of
  // administration; 'oversightHasDmc': True.
  t.same(p.dltDefinition, {
    windowDays: 14,
    windowStart: 'each_administration',
    escalationWindow: { start: 'first_administration', days: 14 },
    minGrade: 3,
    attributions: ['possible', 'probable', 'definite'],
    requireClinicalSymptoms: true,
    requireMedicalTreatment: true,
    minExposure: { administrations: 1 },
    requireAssessment: true
  })
  t.same(p.design, { type: '3+3', startDoseLevel: 1, cohortSize: 3, maxSampleSize: 18 })
  t.match(p.stoppingRules, [
    { source: /^Dose escalation will be stopped if DLTs are observed in more than 33% of the participants\.$/ },
    { source: /^occurrence of any hUC-MSC-sEV-associated serious adverse event \(SAE\)/ },
    { source: 'or even lead to death in any subject' }
  ])
  t.same(p.stoppingRules.map(({ source: _, ...rule }) => rule), [
    { id: 'dlt_rate_above', type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' },
    { id: 'related_sae', type: 'related_sae', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' },
    { id: 'grade5_related', type: 'grade5_related', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' }
  ])
  t.equal(nct07295067.phase, 'PHASE1')
  t.same(nct07295067.sites, [{ siteId: 'xuanwu-hospital', name: 'Xuanwu Hospital, Beijing', timeZone: 'Asia/Shanghai' }])
})

t.test('NCT07101484: SEQUENTIAL is a 3+3 escalation low -> mid -> high, the blank control (level 0) alongside', async t => {
  const seed = trials.find(s => s.trialId === 'NCT07101484')!
  const r = parseProtocol(seed.protocol)
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.protocol.arms?.map(a => [a.armId, a.doseLevel]), [['low', 1], ['mid', 2], ['high', 3], ['control', 0]])
  t.same(r.protocol.design, { type: '3+3', startDoseLevel: 1, cohortSize: 3 })
  t.equal(r.protocol.controlCanBeRelated, false)
  // Three perfusions q3d from 24 h after adhesiolysis, the repeat cycle after the 1-month hysteroscopy outside the DLT period.
  t.same(r.protocol.schedule?.administrations?.map(a => a.day), [0, 3, 6, 30, 33, 36])
  t.equal(r.protocol.schedule?.dltPeriodAdministrations, 3)
})

t.test('NCT06321198: once vs twice weekly is the escalated variable; the record caps it at 12', async t => {
  const seed = trials.find(s => s.trialId === 'NCT06321198')!
  const r = parseProtocol(seed.protocol)
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.protocol.doseLevels.map(d => [d.level, d.schedule?.frequency?.perWeek]), [[1, 1], [2, 2], [3, 1], [4, 2]])
  t.match(r.protocol.design, { type: '3+3', maxSampleSize: 12 })
  const excluded = (r.protocol.dltDefinition.exclusions ?? []).map((_, i) => `/dltDefinition/exclusions/${i}`)
  const paths = (r.protocol.assumptions ?? []).map(a => a.path)
  t.ok(excluded.length > 0 && excluded.every(x => paths.includes(x)), 'every disease-expected exclusion is an assumption with its reason')
})

t.test('NCT03123458: "various dosages" stay one level, and the assumptions say why', async t => {
  const seed = trials.find(s => s.trialId === 'NCT03123458')!
  t.same(seed.protocol.doseLevels.map(d => d.level), [1])
  t.match(seed.protocol.assumptions?.find(a => a.path === '/doseLevels'), { source: 'infusion of various dosages of third party fMSCs', rationale: /would be invented/ })
})

t.test('controlCanBeRelated is stated exactly where a control group (level 0) exists', async t => {
  for (const seed of trials) {
    const hasControl = seed.protocol.doseLevels.some(d => d.level === 0)
    t.equal(seed.protocol.controlCanBeRelated !== undefined, hasControl, `${seed.trialId}: ${hasControl ? 'a control group' : 'no control group, nothing to state'}`)
    if (hasControl) t.ok(seed.protocol.assumptions?.some(a => a.path === '/controlCanBeRelated'), `${seed.trialId}: with its reason`)
  }
})
