// Unit tests of the pure domain modules must cover them fully; integration
// tests (routes, database) run without coverage tracking so that they cannot
// mask an untested branch of the clinical logic by accident.
export default function coverageMap (testFile) {
  const m = /test[\\/]domain[\\/](.+)\.test\.ts$/.exec(testFile)
  return m ? [`src/domain/${m[1]}.ts`] : null
}
