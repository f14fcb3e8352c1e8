import t from 'tap'
import { parse } from 'csv-parse/sync'
import {
  ACN_TERMS, AEOUT, AEREL, AE_VARIABLES, SUPPAE_VARIABLES, actionTaken, aeRow, csvField, csvRecord, gradeRecords, inOrder,
  studyDay, subjectRows, suppaeRows, usubjid, type AeSnapshot
} from '../../src/domain/sdtm.js'
import { localDate } from '../../src/domain/site-calendar.js'
import { ACN, NY, OUT, SDTMIG_33_AE, SDTMIG_33_SUPP, columnProblems, valueProblems } from '../helpers/sdtmig-ae.js'

const ae = (over: Partial<AeSnapshot> = {}): AeSnapshot => ({
  aeId: '0190a000-0000-7000-8000-000000000001',
  version: 1,
  participantId: '001-0003',
  term: 'Anemia',
  meddraCode: '10002272',
  soc: 'Blood and lymphatic system disorders',
  otherSpecify: null,
  grade: 2,
  onsetDate: '2025-01-08',
  resolvedDate: null,
  serious: false,
  seriousnessCriteria: [],
  attribution: 'possible',
  outcome: null,
  actionTaken: null,
  externalId: null,
  nullified: false,
  dlt: { isDlt: false, protocolVersion: 1, adjudicated: null },
  ...over
})

const subject = { studyId: 'NCT07295067', participantId: '001-0003', rfstdtc: '2025-01-06' }

t.test('the dataset structures follow SDTMIG v3.3 (AE: section 6.2; SUPP--: section 8.4.1)', async t => {
  t.same(columnProblems(AE_VARIABLES, SDTMIG_33_AE), [], 'AE variables are SDTMIG AE variables, in order, with every Req and Exp one')
  t.same(columnProblems(SUPPAE_VARIABLES, SDTMIG_33_SUPP), [])
  t.same([...SUPPAE_VARIABLES], SDTMIG_33_SUPP.map((s) => s.name), 'SUPPAE carries every SUPP-- variable')
  // The reference check itself notices what it must.
  t.same(columnProblems(['DOMAIN', 'STUDYID', 'FOO'], SDTMIG_33_AE.slice(0, 2)), ['FOO is not a variable of the domain', 'STUDYID comes after DOMAIN'])
})

t.test('controlled terminology: OUT (C66768), ACN (C66767), NY (C66742), and the sponsor AEREL mapping', async t => {
  t.same(Object.values(AEOUT).sort(), [...OUT].sort(), 'every outcome maps to an OUT term, and every OUT term is reachable')
  t.same([...ACN_TERMS].sort(), [...ACN])
  t.same(AEREL, {
    unrelated: 'NOT RELATED', unlikely: 'UNLIKELY RELATED', possible: 'POSSIBLY RELATED', probable: 'PROBABLY RELATED', definite: 'RELATED'
  })
  t.same(actionTaken(null), { AEACN: null, AEACNOTH: null })
  t.same(actionTaken('dose not changed'), { AEACN: 'DOSE NOT CHANGED', AEACNOTH: null })
  t.same(actionTaken(' Drug_withdrawn '), { AEACN: 'DRUG WITHDRAWN', AEACNOTH: null })
  t.same(actionTaken('Drug  interrupted'), { AEACN: 'DRUG INTERRUPTED', AEACNOTH: null })
  t.same(actionTaken(' Infusion paused, restarted at half rate '), { AEACN: null, AEACNOTH: 'Infusion paused, restarted at half rate' },
    'ACN is non-extensible: other actions go to AEACNOTH as given')
})

t.test('study day (SDTMIG v3.3 4.4.4): reference date is day 1, the day before is day -1, no day 0', async t => {
  t.equal(studyDay('2025-01-06', '2025-01-06'), 1)
  t.equal(studyDay('2025-01-07', '2025-01-06'), 2)
  t.equal(studyDay('2025-01-05', '2025-01-06'), -1)
  t.equal(studyDay('2024-12-27', '2025-01-06'), -10)
  t.equal(studyDay('2025-03-01', '2025-02-27'), 3, 'across February of a common year')
  t.equal(studyDay('2024-03-01', '2024-02-27'), 4, 'across February 29 of a leap year')
  t.equal(studyDay(null, '2025-01-06'), null)
  t.equal(studyDay('2025-01-06', null), null, 'never dosed: no reference date')
  t.equal(localDate('2025-01-06T23:30:00-05:00'), '2025-01-07', 'RFSTDTC at a UTC site is the UTC date of the first administration')
  t.equal(localDate('2025-01-06T23:30:00Z', 'Asia/Shanghai'), '2025-01-07', 'and the local date at a site elsewhere')
})

t.test('one record per grade: the last version of each run at one grade; collapsed: the latest at the worst grade', async t => {
  const v = (version: number, grade: number, over: Partial<AeSnapshot> = {}) => ae({ version, grade, ...over })
  t.same(gradeRecords([], false), [])
  t.same(gradeRecords([v(1, 2), v(2, 2, { nullified: true })], false), [], 'nullified: no record')
  t.same(gradeRecords([v(1, 2)], false), [v(1, 2)])
  const history = [v(1, 2), v(2, 3), v(3, 3, { outcome: 'recovered', resolvedDate: '2025-01-20' }), v(4, 2), v(5, 2, { actionTaken: 'DOSE REDUCED' })]
  t.same(gradeRecords(history, false).map((r) => [r.version, r.grade]), [[1, 2], [3, 3], [5, 2]])
  t.same(gradeRecords(history, true), [{ ...history[4], grade: 3 }])
})

t.test('an AE record: identifiers, coding, CT values, dates and study days', async t => {
  const row = aeRow(ae({
    otherSpecify: 'Pancytopenia, "transient"',
    externalId: 'EDC-42',
    grade: 3,
    serious: true,
    seriousnessCriteria: ['hospitalization', 'life_threatening'],
    attribution: 'probable',
    outcome: 'recovered_with_sequelae',
    actionTaken: 'drug interrupted',
    onsetDate: '2025-01-05',
    resolvedDate: '2025-01-12'
  }), 4, subject)
  t.same(row, {
    STUDYID: 'NCT07295067',
    DOMAIN: 'AE',
    USUBJID: 'NCT07295067-001-0003',
    AESEQ: 4,
    AESPID: 'EDC-42',
    AETERM: 'Pancytopenia, "transient"',
    AELLT: 'Anemia',
    AELLTCD: 10002272,
    AEDECOD: 'Anemia',
    AEPTCD: null,
    AEHLT: null,
    AEHLTCD: null,
    AEHLGT: null,
    AEHLGTCD: null,
    AEBODSYS: 'Blood and lymphatic system disorders',
    AEBDSYCD: null,
    AESOC: 'Blood and lymphatic system disorders',
    AESOCCD: null,
    AESER: 'Y',
    AEACN: 'DRUG INTERRUPTED',
    AEACNOTH: null,
    AEREL: 'PROBABLY RELATED',
    AEOUT: 'RECOVERED/RESOLVED WITH SEQUELAE',
    AESCONG: 'N',
    AESDISAB: 'N',
    AESDTH: 'N',
    AESHOSP: 'Y',
    AESLIFE: 'Y',
    AESMIE: 'N',
    AETOXGR: '3',
    EPOCH: null,
    AESTDTC: '2025-01-05',
    AEENDTC: '2025-01-12',
    AESTDY: -1,
    AEENDY: 7
  })
  t.same(Object.keys(row), [...AE_VARIABLES], 'every variable, in dataset order')
  t.same(valueProblems(row, SDTMIG_33_AE), [])

  const plain = aeRow(ae(), 1, subject)
  // an AE after the end of treatment or withdrawal is follow-up (CDISC Epoch C99079)
  t.same((['on_treatment', 'follow_up', 'off_study'] as const).map((phase) => aeRow(ae({ phase }), 1, subject).EPOCH), ['TREATMENT', 'FOLLOW-UP', 'FOLLOW-UP'])
  t.match(plain, {
    AESPID: '0190a000-0000-7000-8000-000000000001',
    AETERM: 'Anemia',
    AESER: 'N',
    AEOUT: null,
    AEACN: null,
    AEENDTC: null,
    AESTDY: 3,
    AEENDY: null
  })
  t.same([plain.AESCONG, plain.AESDISAB, plain.AESDTH, plain.AESHOSP, plain.AESLIFE, plain.AESMIE], [null, null, null, null, null, null],
    'not serious: the seriousness criteria are null (SDTMIG v3.3 AE example 1)')
  t.same(valueProblems(plain, SDTMIG_33_AE), [])
  t.same(valueProblems({ AESEQ: 'x', AETERM: '', AESER: 'YES', AESTDTC: '08/01/2025' }, SDTMIG_33_AE), [
    'AESEQ x is not numeric', 'Req variable AETERM is empty', 'AESER YES is not in its codelist', 'AESTDTC 08/01/2025 is not ISO 8601'
  ], 'the reference check notices bad values')
  t.same(NY.filter((x) => x === plain.AESER), ['N'])
})

t.test('AESEQ numbers a subject\'s records by onset, then aeId, then version', async t => {
  const a = ae({ aeId: 'a', onsetDate: '2025-01-09', version: 2 })
  const b1 = ae({ aeId: 'b', onsetDate: '2025-01-08', version: 1 })
  const b3 = ae({ aeId: 'b', onsetDate: '2025-01-08', version: 3, grade: 3 })
  const c = ae({ aeId: 'c', onsetDate: '2025-01-08', version: 1 })
  const rows = subjectRows([a, c, b3, b1], subject)
  t.same(rows.map((r) => [r.ae.aeId, r.ae.version, r.row.AESEQ]), [['b', 1, 1], ['b', 3, 2], ['c', 1, 3], ['a', 2, 4]])
  t.same(subjectRows([b1, a], subject).map((r) => r.row.AESEQ), [1, 2])
})

t.test('SUPPAE: the DLT flag and its protocol version, keyed by AESEQ', async t => {
  const computed = ae({ dlt: { isDlt: true, protocolVersion: 2, adjudicated: null } })
  const row = aeRow(computed, 5, subject)
  const supp = suppaeRows(computed, row)
  t.same(supp, [
    { STUDYID: 'NCT07295067', RDOMAIN: 'AE', USUBJID: 'NCT07295067-001-0003', IDVAR: 'AESEQ', IDVARVAL: '5', QNAM: 'AEDLT', QLABEL: 'Dose-Limiting Toxicity', QVAL: 'Y', QORIG: 'Derived', QEVAL: null },
    { STUDYID: 'NCT07295067', RDOMAIN: 'AE', USUBJID: 'NCT07295067-001-0003', IDVAR: 'AESEQ', IDVARVAL: '5', QNAM: 'AEDLTPV', QLABEL: 'DLT Protocol Version', QVAL: '2', QORIG: 'Derived', QEVAL: null }
  ])
  // SDTMIG v3.3 8.4.1: QNAM at most 8 characters, QLABEL at most 40.
  for (const s of supp) t.ok(String(s.QNAM).length <= 8 && String(s.QLABEL).length <= 40)
  const adjudicated = ae({ dlt: { isDlt: false, protocolVersion: 1, adjudicated: false } })
  t.match(suppaeRows(adjudicated, aeRow(adjudicated, 1, subject))[0], { QVAL: 'N', QORIG: 'Assigned' })
  t.equal(usubjid('T1', 'P1'), 'T1-P1')
})

t.test('CSV (RFC 4180 section 2): fields with comma, quote, CR or LF are quoted, quotes doubled; a standard parser reads them back', async t => {
  t.equal(csvField(null), '')
  t.equal(csvField(12), '12')
  t.equal(csvField('plain text'), 'plain text')
  t.equal(csvField('a,b'), '"a,b"')
  t.equal(csvField('say "hi"'), '"say ""hi"""')
  t.equal(csvField('line1\nline2'), '"line1\nline2"')
  t.equal(csvField('cr\rhere'), '"cr\rhere"')
  const values = ['Rash, "itchy"\r\nspreading', null, 3, 'plain', '']
  const line = csvRecord(values)
  t.equal(line, '"Rash, ""itchy""\r\nspreading",,3,plain,\r\n')
  t.same(parse(line + csvRecord(['x', 'y', 'z', 'w', 'v'])), [['Rash, "itchy"\r\nspreading', '', '3', 'plain', ''], ['x', 'y', 'z', 'w', 'v']],
    'csv-parse reads back what was written')
  t.same(inOrder(['B', 'A'], { A: 1, B: 'b' }), ['b', 1])
})
