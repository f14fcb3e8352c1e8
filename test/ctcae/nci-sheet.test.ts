import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import t from 'tap'
import {
  NciSheetError,
  assertUnique,
  gradeExists,
  normaliseHeader,
  parseNciCsv,
  readNciSheet,
  readNciXlsx,
  rowsFromTable,
  toCtcaeEntry,
  type NciRow
} from '../../src/ctcae/nci-sheet.js'

import { EXCERPT_PATH, FULL_SHEET_PATH, fullSheetSkip } from '../helpers/ctcae-sheet.js'

// NCI CTCAE v5.0, sheet "CTCAE v5.0 Clean Copy" saved as CSV; the expected
// values below are NCI's cells as listed in /work/shared/ctcae/SOURCE.md.
// Most checks read the committed excerpt; the whole-sheet ones need the sheet.
const csv = readFileSync(EXCERPT_PATH, 'utf8')
const rows = parseNciCsv(csv)
const byTerm = (list: NciRow[], term: string): NciRow => {
  const row = list.find(r => r.term === term)
  if (row === undefined) throw new Error(`no ${term}`)
  return row
}
const fullSheet = (): NciRow[] => parseNciCsv(readFileSync(FULL_SHEET_PATH as string, 'utf8'))

t.test('the NCI CSV: 837 terms in 26 SOCs', { skip: fullSheetSkip }, async t => {
  const all = fullSheet()
  t.equal(all.length, 837)
  t.equal(new Set(all.map(r => r.meddraCode)).size, 837)
  t.equal(new Set(all.map(r => r.soc)).size, 26)
  t.ok(all.every(r => /^\d{8}$/.test(r.meddraCode)))
  t.equal(all.filter(r => r.navigationalNote !== null).length, 74)
  // 838 records (header included) on 879 physical lines: 15 cells span lines.
  t.equal(all.at(-1)?.row, 838)
  t.equal(all.filter(r => Object.values(r.grades).some(g => g.includes('\n'))).length > 0, true)
  assertUnique(all)
  // Death NOS, Disease progression and Sudden death NOS are the only grade-5-only terms.
  t.same(all.filter(r => Object.keys(r.grades).join() === '5').map(r => r.term), ['Death NOS', 'Disease progression', 'Sudden death NOS'])
  // The 26 'Other, specify' terms have ' -' as their definition.
  const other = all.filter(r => r.term.endsWith(' - Other, specify'))
  t.equal(other.length, 26)
  t.ok(other.every(r => r.definition === null))
  t.equal(byTerm(all, 'Death NOS').row, 221)
  t.equal(byTerm(all, 'Alopecia').row, 781)
})

t.test('the excerpt is NCI\'s records, unchanged', { skip: fullSheetSkip }, async t => {
  const all = new Map(fullSheet().map(r => [r.meddraCode, r]))
  t.same(rows.map(({ row: _, ...r }) => r), rows.map(r => {
    const { row: _, ...full } = all.get(r.meddraCode) as NciRow
    return full
  }))
})

t.test('the excerpt: 11 records of the sheet, one with a cell on several lines', async t => {
  t.equal(rows.length, 11)
  t.same(rows.map(r => r.row), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  t.ok(rows.every(r => /^\d{8}$/.test(r.meddraCode)))
  t.equal(rows.filter(r => r.navigationalNote !== null).length, 5)
  t.equal(rows.filter(r => Object.values(r.grades).some(g => g.includes('\n'))).length, 2)
  assertUnique(rows)
})

t.test('grades that exist, with NCI text', async t => {
  const anemia = byTerm(rows, 'Anemia')
  t.equal(anemia.meddraCode, '10002272')
  t.equal(anemia.row, 2)
  t.equal(anemia.soc, 'Blood and lymphatic system disorders')
  t.same(Object.keys(anemia.grades), ['1', '2', '3', '4', '5'])
  t.equal(anemia.grades[1], 'Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L')
  t.equal(anemia.grades[5], 'Death')

  const alopecia = byTerm(rows, 'Alopecia')
  t.equal(alopecia.meddraCode, '10001760')
  t.same(Object.keys(alopecia.grades), ['1', '2'])

  const death = byTerm(rows, 'Death NOS')
  t.equal(death.meddraCode, '10011914')
  t.same(death.grades, { 5: 'Death' })
  t.equal(death.definition, 'Death that cannot be attributed to a CTCAE term associated with Grade 5.')
  // The sheet's three grade-5-only terms.
  t.same(rows.filter(r => Object.keys(r.grades).join() === '5').map(r => r.term), ['Death NOS', 'Disease progression', 'Sudden death NOS'])
})

t.test('cell text is kept verbatim', async t => {
  // Eczema grade 1 holds NCI's one no-break space.
  t.equal(byTerm(rows, 'Eczema').grades[1], 'Asymptomatic or mild symptoms;\u00a0additional medical intervention over baseline not indicated')
  t.equal(byTerm(rows, 'Hypertension').grades[1],
    'Adult: Systolic BP 120 - 139 mm Hg or diastolic BP 80 - 89 mm Hg;\n\n' +
    'Pediatric: Systolic/diastolic BP >90th percentile but< 95th percentile;\n\n' +
    'Adolescent: BP \u2265120/80 even if < 95th percentile')
  // 'Other, specify' terms have ' -' as their definition.
  t.equal(byTerm(rows, 'Blood and lymphatic system disorders - Other, specify').definition, null)
})

t.test('toCtcaeEntry keeps only the facts', async t => {
  t.same(toCtcaeEntry(byTerm(rows, 'Alopecia')), {
    meddraCode: '10001760', term: 'Alopecia', soc: 'Skin and subcutaneous tissue disorders', grades: [1, 2], otherSpecify: false
  })
  t.same(toCtcaeEntry(byTerm(rows, 'Blood and lymphatic system disorders - Other, specify')), {
    meddraCode: '10005329',
    term: 'Blood and lymphatic system disorders - Other, specify',
    soc: 'Blood and lymphatic system disorders',
    grades: [1, 2, 3, 4, 5],
    otherSpecify: true
  })
})

t.test('header and cell helpers', async t => {
  // The xlsx headers read 'Grade N' followed by two no-break spaces.
  t.equal(normaliseHeader('Grade 1 \u00a0\u00a0'), 'grade 1')
  t.equal(normaliseHeader(' MedDRA\u00a0 Code'), 'meddra code')
  t.equal(gradeExists(' -'), false)
  t.equal(gradeExists('   '), false)
  t.equal(gradeExists('Death'), true)
})

const HEADER = ['MedDRA Code', 'MedDRA SOC', 'CTCAE Term', 'Grade 1', 'Grade 2', 'Grade 3', 'Grade 4', 'Grade 5', 'Definition']

t.test('rowsFromTable: shapes it accepts', async t => {
  const table = [
    HEADER,
    [10001760, 'Skin and subcutaneous tissue disorders', ' Alopecia ', 'g1', 'g2', ' -', ' -', ' -', 'def'],
    ['', null, '', '', '', '', '', '', ''],
    []
  ]
  t.same(rowsFromTable(table), [{
    row: 2,
    meddraCode: '10001760',
    soc: 'Skin and subcutaneous tissue disorders',
    term: 'Alopecia',
    grades: { 1: 'g1', 2: 'g2' },
    definition: 'def',
    navigationalNote: null
  }], 'numeric code, no navigational note column, blank rows skipped')
  t.same(rowsFromTable([HEADER]), [])
})

t.test('rowsFromTable: shapes it refuses', async t => {
  const row = ['10001760', 'SOC', 'Term', 'g1', ' -', ' -', ' -', ' -', 'def']
  const with_ = (i: number, v: string) => [HEADER, row.map((c, k) => k === i ? v : c)]
  t.throws(() => rowsFromTable([]), new NciSheetError("not a CTCAE v5.0 sheet: no 'meddra code' column in the header row (found: )"))
  t.throws(() => rowsFromTable([HEADER.filter(h => h !== 'Grade 4')]), /no 'grade 4' column in the header row/)
  t.throws(() => rowsFromTable(with_(0, '1000176')), new NciSheetError("row 2: MedDRA code '1000176' is not 8 digits"))
  t.throws(() => rowsFromTable(with_(2, ' ')), new NciSheetError('row 2: CTCAE Term is empty'))
  t.throws(() => rowsFromTable(with_(1, '')), new NciSheetError('row 2: MedDRA SOC is empty'))
  t.throws(() => rowsFromTable(with_(3, ' -')), new NciSheetError('row 2: Term has no grade'))
})

t.test('parseNciCsv refuses what is not CSV', async t => {
  t.throws(() => parseNciCsv('MedDRA Code,"unterminated\n'), { name: 'NciSheetError', message: /^not a readable CSV file: / })
})

t.test('assertUnique', async t => {
  const [a, b] = rows as [NciRow, NciRow]
  t.throws(() => assertUnique([a, { ...b, meddraCode: a.meddraCode }]), new NciSheetError('row 3: MedDRA code 10002272 already on row 2'))
  t.throws(() => assertUnique([a, { ...b, term: 'ANEMIA' }]), new NciSheetError("row 3: term 'ANEMIA' already on row 2"))
})

// ---- .xlsx: a minimal workbook written here with no extra dependency -------
// A ZIP archive of stored (uncompressed) entries (PKWARE APPNOTE 6.3.10, 4.3)
// holding the SpreadsheetML parts (ECMA-376 Part 1) with inline strings.

function zip (files: Record<string, string>): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content, 'utf8')
    const fileName = Buffer.from(name, 'utf8')
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(fileName.length, 26)
    const entry = Buffer.alloc(46)
    entry.writeUInt32LE(0x02014b50, 0)
    entry.writeUInt16LE(20, 4)
    entry.writeUInt16LE(20, 6)
    entry.writeUInt32LE(crc, 16)
    entry.writeUInt32LE(data.length, 20)
    entry.writeUInt32LE(data.length, 24)
    entry.writeUInt16LE(fileName.length, 28)
    entry.writeUInt32LE(offset, 42)
    parts.push(local, fileName, data)
    central.push(entry, fileName)
    offset += local.length + fileName.length + data.length
  }
  const directory = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(central.length / 2, 8)
  end.writeUInt16LE(central.length / 2, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, directory, end])
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

function sheetXml (table: (string | number)[][]): string {
  const cells = (row: (string | number)[], r: number) => row.map((v, c) => {
    const ref = `${String.fromCharCode(65 + c)}${r}`
    return typeof v === 'number'
      ? `<c r="${ref}"><v>${v}</v></c>`
      : `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${xml(v)}</t></is></c>`
  }).join('')
  return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData>` +
    table.map((row, i) => `<row r="${i + 1}">${cells(row, i + 1)}</row>`).join('') +
    '</sheetData></worksheet>'
}

function workbook (sheets: Record<string, (string | number)[][]>): Buffer {
  const names = Object.keys(sheets)
  const files: Record<string, string> = {
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      names.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
      '</Types>',
    '_rels/.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>` +
      names.map((n, i) => `<sheet name="${xml(n)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') + '</sheets></workbook>',
    'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      names.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      '</Relationships>'
  }
  names.forEach((n, i) => { files[`xl/worksheets/sheet${i + 1}.xml`] = sheetXml(sheets[n] as (string | number)[][]) })
  return zip(files)
}

// NCI's own header and first rows, as the xlsx holds them: grade headers with
// two trailing no-break spaces, MedDRA codes as numbers, multi-line cells.
const table = parse(csv) as string[][]
const [csvHeader, ...csvBody] = table as [string[], ...string[][]]
const xlsxHeader = csvHeader.map(h => h.startsWith('Grade ') ? `${h} \u00a0\u00a0` : h)
const wanted = ['Anemia', 'Alopecia', 'Death NOS', 'Eczema', 'Hypertension']
const xlsxBody = csvBody.filter(r => wanted.includes(r[2] as string)).map(r => r.map((c, i) => i === 0 ? Number(c) : c))
const expected = wanted.map(w => byTerm(rows, w)).sort((a, b) => a.row - b.row).map((r, i) => ({ ...r, row: i + 2 }))

t.test('.xlsx: reads the Clean Copy sheet, wherever it is in the workbook', async t => {
  const book = workbook({
    'Read me': [['not CTCAE']],
    'CTCAE v5.0 Clean Copy': [xlsxHeader, ...xlsxBody],
    'CTCAE v4.0 to v5.0 Mapping': [['v4'], ['v5']]
  })
  const got = await readNciXlsx(book)
  t.same(got, expected, 'same rows as the CSV, text verbatim')
  t.equal(got.find(r => r.term === 'Eczema')?.grades[1]?.includes('\u00a0'), true)

  const dir = await mkdtemp(join(tmpdir(), 'ctcae-sheet-'))
  const path = join(dir, 'CTCAE_v5.0.data')
  await writeFile(path, book)
  t.same(await readNciSheet(path), expected, 'readNciSheet tells an .xlsx by content, not by name')
})

t.test('.xlsx: without a Clean Copy sheet, the first sheet is read', async t => {
  t.same(await readNciXlsx(workbook({ Sheet1: [xlsxHeader, ...xlsxBody], Sheet2: [['x']] })), expected)
  await t.rejects(readNciXlsx(workbook({ Sheet1: [['Term'], ['Anemia']] })), /no 'meddra code' column/)
})

t.test('.xlsx: damaged or empty workbooks are refused', async t => {
  await t.rejects(readNciXlsx(Buffer.from('PK\u0003\u0004 not really a zip')), { name: 'NciSheetError', message: /^not a readable .xlsx workbook: / })
  await t.rejects(readNciXlsx(workbook({})), { name: 'NciSheetError' })
})

t.test('readNciSheet reads CSV by content', async t => {
  t.same(await readNciSheet(EXCERPT_PATH), rows)
})

t.test('readNciSheet reads the whole sheet', { skip: fullSheetSkip }, async t => {
  const got = await readNciSheet(FULL_SHEET_PATH as string)
  t.equal(got.length, 837)
  t.same(got, fullSheet())
})
