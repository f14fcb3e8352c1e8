// npm run ctcae:import -- FILE
// Loads NCI's CTCAE v5.0 grade text from your own copy of the sheet (CSV or
// .xlsx) into DATA_DIR/ctcae-text.json (DATA_DIR defaults to ./data).
import { NciSheetError } from './nci-sheet.js'
import { CtcaeImportError, importCtcaeText } from './text.js'

const file = process.argv[2]
if (file === undefined || process.argv.length > 3) {
  console.error('usage: npm run ctcae:import -- FILE   (NCI CTCAE_v5.0.xlsx, or its "CTCAE v5.0 Clean Copy" sheet saved as CSV)')
  process.exit(2)
}
// An empty DATA_DIR counts as unset.
const dataDir = process.env.DATA_DIR || './data'

try {
  const { path, terms } = await importCtcaeText(file, dataDir)
  console.log(`wrote CTCAE v5.0 text for ${terms} terms to ${path}`)
} catch (err) {
  // Expected failures get one clear message; anything else is a bug and keeps its stack.
  const systemError = err instanceof Error && 'code' in err && 'syscall' in err
  if (err instanceof CtcaeImportError || err instanceof NciSheetError || systemError) {
    console.error(`ctcae:import: ${file}: ${(err as Error).message}`)
    process.exit(1)
  }
  throw err
}
