import { existsSync, readdirSync } from 'node:fs'
import t from 'tap'
import { parseProtocol } from '../../src/domain/protocol.js'
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

for (const seed of trials) {
  t.test(`${seed.trialId}: protocol parses with no error, ids are valid`, async t => {
    const r = parseProtocol(seed.protocol)
    t.same(r.ok ? [] : r.errors, [])
    t.match(seed.trialId, ID)
    t.ok(seed.sites.length >= 1)
    for (const site of seed.sites) t.match(site.siteId, ID)
    t.ok(seed.title.length > 0)
  })
}

t.test('NCT07295067: the record\'s 3+3 with its DLT definition and stopping rules', async t => {
  const r = parseProtocol(nct07295067.protocol)
  t.ok(r.ok)
  if (!r.ok) return
  const p = r.protocol
  // detailedDescription: cohorts of 1, 2 and 3 x 10^11 particles.
  t.same(p.doseLevels.map(d => [d.level, d.label]), [[1, '1e11 particles'], [2, '2e11 particles'], [3, '3e11 particles']])
  t.equal(p.arms, undefined)
  // primaryOutcomes[0]: grade >= 3, possibly/likely/definitely related, with symptoms and treatment, within 14 days.
  t.same(p.dltDefinition, {
    windowDays: 14,
    windowStart: 'first_administration',
    minGrade: 3,
    attributions: ['possible', 'probable', 'definite'],
    requireClinicalSymptoms: true,
    requireMedicalTreatment: true
  })
  t.same(p.design, { type: '3+3', startDoseLevel: 1, cohortSize: 3 })
  t.same(p.stoppingRules, [
    { id: 'dlt_rate_above', type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' },
    { id: 'related_sae', type: 'related_sae', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' }
  ])
  t.equal(nct07295067.phase, 'PHASE1')
  t.same(nct07295067.sites, [{ siteId: 'xuanwu-hospital', name: 'Xuanwu Hospital, Beijing' }])
})

t.test('parallel arms: NCT07101484 low, mid, high and a level-0 control', async t => {
  const seed = trials.find(s => s.trialId === 'NCT07101484')
  t.same(seed?.protocol.arms?.map(a => [a.armId, a.doseLevel]), [['low', 1], ['mid', 2], ['high', 3], ['control', 0]])
  t.equal(seed?.protocol.design.type, 'none')
})
