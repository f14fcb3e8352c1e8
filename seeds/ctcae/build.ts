// npx tsx seeds/ctcae/build.ts [CSV]   (default: ../shared/ctcae/CTCAE_v5.0.csv from the repo root)
// Derives seeds/ctcae/ctcae-v5.json from NCI's CTCAE v5.0 sheet. Only facts
// needed for validation are written (MedDRA code, term, SOC, which grades
// exist, whether the term is an 'Other, specify' term); NCI's grade text and
// definitions are not, and must not be committed.
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { assertUnique, readNciSheet, toCtcaeEntry } from '../../src/ctcae/nci-sheet.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const source = process.argv[2] ?? `${repoRoot}../shared/ctcae/CTCAE_v5.0.csv`
const target = fileURLToPath(new URL('./ctcae-v5.json', import.meta.url))

const rows = await readNciSheet(source)
assertUnique(rows)
const entries = rows.map(toCtcaeEntry)
// One entry per line: compact, yet a change to a term shows as a one-line diff.
await writeFile(target, '[\n' + entries.map(e => JSON.stringify(e)).join(',\n') + '\n]\n')
console.log(`wrote ${entries.length} CTCAE v5.0 terms to ${target}`)
