import t from 'tap'
import { parse } from 'csv-parse/sync'
import {
  ACN_TERMS, AEOUT, AEREL, AE_VARIABLES, SUPPAE_VARIABLES, actionTaken, aeRow, csvField, csvRecord, gradeRecords, inOrder,
  studyDay, subjectRows, suppaeRows, usubjid, type AeSnapshot, type AeVersion
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

/** A single-grade record of the AE as it stands. */
const record = (x: AeSnapshot) => ({ ae: x, key: 1, start: x.onsetDate, end: x.resolvedDate })

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

t.test('one record per grade: the last version of each run at one grade, dated from the recorded grade change; collapsed: the worst grade', async t => {
  // seq: commit order; recordedOn: the day the version was recorded
  const v = (version: number, grade: number, recordedOn: string, over: Partial<AeSnapshot> = {}): AeVersion =>
    ({ snapshot: ae({ version, grade, ...over }), seq: 10 + version, recordedOn })
  t.same(gradeRecords([], false), [])
  t.same(gradeRecords([v(1, 2, '2025-01-08')], false), [{ ae: v(1, 2, '2025-01-08').snapshot, key: 11, start: '2025-01-08', end: null }])
  const resolved = { outcome: 'recovered', resolvedDate: '2025-01-20' } as const
  const history = [v(1, 2, '2025-01-08'), v(2, 3, '2025-01-10'), v(3, 3, '2025-01-21', resolved), v(4, 2, '2025-01-22', resolved), v(5, 2, '2025-01-23', { ...resolved, actionTaken: 'DOSE REDUCED' })]
  t.same(gradeRecords(history, false).map((r) => [r.ae.version, r.ae.grade, r.key, r.start, r.end]), [
    [1, 2, 11, '2025-01-08', '2025-01-10'],
    [3, 3, 12, '2025-01-10', '2025-01-20'],
    // recorded on the 22nd, after the resolution on the 20th: it started by then
    [5, 2, 14, '2025-01-20', '2025-01-20']
  ])
  t.same(gradeRecords(history, true).map((r) => [r.ae.version, r.ae.grade, r.key, r.start, r.end]), [[5, 3, 11, '2025-01-08', '2025-01-20']])
  t.same(gradeRecords([v(1, 2, '2025-01-05', { onsetDate: '2025-01-08' }), v(2, 3, '2025-01-06', { onsetDate: '2025-01-08' })], false).map((r) => r.start),
    ['2025-01-08', '2025-01-08'], 'a grade never starts before the onset')
})

t.test('an AE record: identifiers, coding, CT values, dates and study days', async t => {
  const row = aeRow(record(ae({
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
  })), 4, subject)
  t.same(row, {
    STUDYID: 'NCT07295067',
    DOMAIN: 'AE',
    USUBJID: 'NCT07295067-001-0003',
    AESEQ: 4,
    AEGRPID: '0190a000-0000-7000-8000-000000000001',
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

  const plain = aeRow(record(ae()), 1, subject)
  // an AE after the end of treatment or withdrawal is follow-up (CDISC Epoch C99079)
  t.same((['on_treatment', 'follow_up', 'off_study'] as const).map((phase) => aeRow(record(ae({ phase })), 1, subject).EPOCH), ['TREATMENT', 'FOLLOW-UP', 'FOLLOW-UP'])
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

t.test('AESEQ numbers a subject\'s records in commit order, nullified AEs included; rows come in onset order', async t => {
  const version = (aeId: string, seq: number, over: Partial<AeSnapshot> = {}): AeVersion =>
    ({ snapshot: ae({ aeId, version: seq, ...over }), seq, recordedOn: '2025-01-09' })
  const a = [version('a', 1, { onsetDate: '2025-01-09' })]
  const b = [version('b', 2, { onsetDate: '2025-01-08' }), version('b', 4, { onsetDate: '2025-01-08', grade: 3 })]
  const nullified = [version('n', 3, { onsetDate: '2025-01-07' }), version('n', 5, { onsetDate: '2025-01-07', nullified: true })]
  const rows = subjectRows([a, b, nullified], subject, false)
  t.same(rows.map((r) => [r.ae.aeId, r.row.AESEQ, r.row.AEGRPID, r.row.AESTDTC]), [['b', 2, 'b', '2025-01-08'], ['a', 1, 'a', '2025-01-09'], ['b', 4, 'b', '2025-01-09']],
    'the nullified AE keeps AESEQ 3 unused; b\'s grade 3 record, recorded after it, is 4')
  t.same(subjectRows([a, b, nullified], subject, true).map((r) => [r.ae.aeId, r.row.AESEQ]), [['b', 2], ['a', 1]], 'collapsed: one record per AE')
})

t.test('SUPPAE: the DLT flag and its protocol version, keyed by AESEQ', async t => {
  const computed = ae({ dlt: { isDlt: true, protocolVersion: 2, adjudicated: null } })
  const row = aeRow(record(computed), 5, subject)
  const supp = suppaeRows(computed, row)
  t.same(supp, [
    { STUDYID: 'NCT07295067', RDOMAIN: 'AE', USUBJID: 'NCT07295067-001-0003', IDVAR: 'AESEQ', IDVARVAL: '5', QNAM: 'AEDLT', QLABEL: 'Dose-Limiting Toxicity', QVAL: 'Y', QORIG: 'Derived', QEVAL: null },
    { STUDYID: 'NCT07295067', RDOMAIN: 'AE', USUBJID: 'NCT07295067-001-0003', IDVAR: 'AESEQ', IDVARVAL: '5', QNAM: 'AEDLTPV', QLABEL: 'DLT Protocol Version', QVAL: '2', QORIG: 'Derived', QEVAL: null }
  ])
  // SDTMIG v3.3 8.4.1: QNAM at most 8 characters, QLABEL at most 40.
  for (const s of supp) t.ok(String(s.QNAM).length <= 8 && String(s.QLABEL).length <= 40)
  const adjudicated = ae({ dlt: { isDlt: false, protocolVersion: 1, adjudicated: false } })
  t.match(suppaeRows(adjudicated, aeRow(record(adjudicated), 1, subject))[0], { QVAL: 'N', QORIG: 'Assigned' })
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
