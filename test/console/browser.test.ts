// Issue #20 acceptance in a real browser (the system Chromium, driven by
// playwright-core): the console on NCT07295067 signed in as the DMC, live after
// an AE posted through the API, a DMC decision recorded from the page, the
// page printed to PDF, a site-scoped token's view, and axe-core's audit.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'

const CHROMIUM = '/usr/bin/chromium'

if (!existsSync(CHROMIUM)) {
  t.plan(0, `${CHROMIUM} is absent: the console's browser tests need the system Chromium (apt-get install chromium)`)
} else {
  await run()
}

async function run () {
  const { chromium } = await import('playwright-core')
  const { bearer, build, signToken } = await import('../helpers/build.js')
  const { daysAgo, dltAe, enrol, administer, mildAe, reportAe } = await import('../helpers/fixtures.js')
  const { loadSeeds } = await import('../../seeds/load.js')
  const { trials } = await import('../../seeds/trials/index.js')
  const { SHUTDOWN } = await import('../../src/plugins/decision-bus.js')

  const TRIAL = 'NCT07295067'
  const SITE = 'xuanwu-hospital'
  const OTHER = 'tiantan-hospital'
  const { app } = await build()
  await loadSeeds(app.db, trials.filter((s) => s.trialId === TRIAL))
  const site = await app.inject({ method: 'POST', url: `/v1/trials/${TRIAL}/sites`, headers: bearer('admin'), payload: { siteId: OTHER, name: 'Beijing Tiantan Hospital', timeZone: 'Asia/Shanghai' } })
  if (site.statusCode !== 201) throw new Error(`second site: ${site.statusCode} ${site.body}`)
  const dosed = daysAgo(3)
  await enrol(app, TRIAL, 'P-001', SITE, 1, dosed.date)
  await administer(app, TRIAL, 'P-001', dosed.at, 1)
  await enrol(app, TRIAL, 'P-002', OTHER, 1, dosed.date)
  await administer(app, TRIAL, 'P-002', dosed.at, 1)
  await reportAe(app, TRIAL, mildAe('P-001', daysAgo(2).date))
  await reportAe(app, TRIAL, mildAe('P-002', daysAgo(2).date))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/console/`

  const profile = mkdtempSync(join(tmpdir(), 'dlt-console-chromium-'))
  // A fresh profile of its own (Playwright passes it as --user-data-dir); each page is its own tab, with its own sessionStorage.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.teardown(async () => {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  })
  const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8')

  /** a page that records what the CSP refused, script errors, and every URL it requested */
  async function openPage (viewport = { width: 1280, height: 900 }) {
    const page = await browser.newPage()
    await page.setViewportSize(viewport)
    const problems: string[] = []
    const requested: string[] = []
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('request', (r) => requested.push(r.url()))
    t.teardown(async () => { await page.close() })
    return { page, problems, requested }
  }

  async function seriousViolations (page: import('playwright-core').Page) {
    // Evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(axeSource)
    return await page.evaluate(`axe.run().then(({ violations }) => violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ' (' + v.nodes.length + ')'))`) as string[]
  }

  const attributes = async (page: import('playwright-core').Page, selector: string, name: string) =>
    await Promise.all((await page.locator(selector).all()).map(async (l) => await l.getAttribute(name)))

  await t.test('the DMC signs in by link, sees the banner and chart go live, records a decision and prints', async (t) => {
    const { page, problems, requested } = await openPage()
    // Signed in ten minutes ago: reading is fine, signing needs a fresh token.
    const token = signToken('dmc', { sub: 'dmc-chair', issuedAt: Math.floor(Date.now() / 1000) - 600 })
    await page.goto(`${base}#token=${token}&trial=${TRIAL}`)
    await page.locator('#banner').waitFor()
    t.notMatch(page.url(), /token=/, 'the token is dropped from the address bar')
    t.equal(await page.evaluate("sessionStorage.getItem('dlt-console.token')"), token, 'kept in the tab\'s session storage')
    t.match(await page.locator('#trial-title').textContent(), TRIAL)
    const group = page.locator('svg .group[data-group="DL1"]')
    t.equal(await group.getAttribute('data-dlts'), '0', 'no DLT at level 1 yet')
    t.match(await page.locator('#swimmer').textContent(), /blinded to the DMC/, 'participant-level records are blinded to this DMC')
    await page.locator('#live[data-state="live"]').waitFor()

    const before = await page.locator('#banner').getAttribute('data-decision-id')
    const started = Date.now()
    await reportAe(app, TRIAL, dltAe('P-001', daysAgo(1).date))
    await page.locator('svg .group[data-group="DL1"][data-dlts="1"]').waitFor({ timeout: 5000 })
    const elapsed = Date.now() - started
    // 2 s is the bound; the AE write itself is included.
    t.ok(elapsed < 2000, `the chart shows the DLT ${elapsed} ms after the AE was posted`)
    t.not(await page.locator('#banner').getAttribute('data-decision-id'), before, 'the banner stands on the new decision')

    t.match(await page.locator('#dmc-fresh').textContent(), /in the last 5 minutes.*10 min ago\): too old to sign/, 'the fresh-authentication rule is explained before signing')
    await page.locator('#decision-continue').check()
    await page.locator('#dmc-rationale').fill('One DLT in the first cohort: continue per protocol, expand to 6.')
    await page.locator('#meaning-reviewed').check()
    await page.getByRole('button', { name: 'Sign and record' }).click()
    await page.locator('#dmc-result .error').waitFor()
    t.match(await page.locator('#dmc-result').textContent(), /Not recorded \(401\).*Authenticate again/, 'the service refuses the stale token and the page says what to do')
    await page.locator('#dmc-fresh-token').fill(signToken('dmc', { sub: 'dmc-chair' }))
    await page.getByRole('button', { name: 'Sign and record' }).click()
    await page.locator('#dmc-result .ok').waitFor()
    const audit = await app.inject({ method: 'GET', url: `/v1/audit?trialId=${TRIAL}&entity=dmc_decision`, headers: bearer('admin') })
    const [recorded] = audit.json().items
    t.match(recorded, { actor: 'dmc-chair', after: { decision: 'continue', meaning: 'reviewed', rationale: /continue per protocol/ } }, 'the signed decision is on the audit trail')
    t.match(await page.locator('#dmc-result').textContent(), recorded.entityId, 'the page names the decision recorded')

    await page.getByRole('button', { name: 'Show table' }).first().click()
    t.match(await page.locator('#dlt table').first().textContent(), /Exact 95% CI/, 'the chart\'s numbers one click away')
    t.same(await seriousViolations(page), [], 'axe-core: no serious or critical violation')

    const pdf = await page.pdf({ format: 'A4', printBackground: true })
    t.equal(pdf.subarray(0, 5).toString(), '%PDF-', 'prints to PDF')
    t.ok(pdf.length > 20_000, `a PDF of ${pdf.length} bytes`)

    t.same(requested.filter((u) => u.includes('token=')), [], 'no request carried the token in its URL')
    // The blinded participant-level reads are refused (403) and the stale signature (401), as they should be; nothing else fails.
    t.same(problems.filter((p) => !/status of 40[13]/.test(p)), [], 'no script error, no missing file, nothing refused by the CSP')
  })

  await t.test('the page says when live updates are cut, and catches up once back', async (t) => {
    const { page } = await openPage()
    await page.goto(`${base}#token=${signToken('dmc')}&trial=${TRIAL}`)
    await page.locator('#live[data-state="live"]').waitFor()
    // The instance ends its streams (as when it shuts down) while the browser is offline, so the page cannot reconnect yet.
    await browser.setOffline(true)
    t.teardown(async () => { await browser.setOffline(false) })
    app.decisionBus.emit(SHUTDOWN)
    await page.locator('#live[data-state="disconnected"]').waitFor({ timeout: 10_000 })
    t.match(await page.locator('#live').textContent(), /Disconnected from live updates/, 'the disconnection is announced')
    // A second DLT at level 1 while the page is offline: a new decision it must catch up on.
    await reportAe(app, TRIAL, dltAe('P-002', daysAgo(1).date))
    const status = await app.inject({ method: 'GET', url: `/v1/trials/${TRIAL}/status`, headers: bearer('dmc') })
    await browser.setOffline(false)
    await page.locator('#live[data-state="live"]').waitFor({ timeout: 20_000 })
    await page.locator(`#banner[data-decision-id="${status.json().decisionId}"]`).waitFor({ timeout: 5000 })
    t.equal(await page.locator('svg .group[data-group="DL1"]').getAttribute('data-dlts'), '2', 'reconnected, with the decision made meanwhile')
  })

  await t.test('a site-scoped token sees its own sites only (on a tablet)', async (t) => {
    const { page, problems } = await openPage({ width: 820, height: 1180 })
    await page.goto(base)
    await page.locator('#token-input').fill(signToken('investigator', { sub: 'pi-xuanwu', sites: [SITE] }))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('#swimmer-state').filter({ hasText: /adverse events\.$/ }).waitFor()
    const lanes = await attributes(page, 'svg .lane', 'data-site')
    t.same(lanes, [SITE], 'one lane, at its own site')
    t.notMatch(await page.locator('main').textContent(), /P-002/, 'the other site\'s participant appears nowhere')
    t.match(await page.locator('#toxicity').textContent(), /Not available to this token \(403\)/, 'the whole-trial summary is not for this role')
    t.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'nothing wider than a tablet\'s screen (wide tables scroll in their own region)')
    t.same(await seriousViolations(page), [], 'axe-core: no serious or critical violation')
    t.same(problems.filter((p) => !/status of 403/.test(p)), [], 'no script error, no missing file, nothing refused by the CSP')
  })

  await t.test('a safety monitor sees every site\'s participants', async (t) => {
    const { page } = await openPage()
    await page.goto(`${base}#token=${signToken('safety_monitor')}&trial=${TRIAL}`)
    await page.locator('#swimmer-state').filter({ hasText: /adverse events\.$/ }).waitFor()
    const lanes = await attributes(page, 'svg .lane', 'data-participant')
    t.same(lanes, ['P-001', 'P-002'])
    t.match(await page.locator('#toxicity').textContent(), /Anemia/, 'the toxicity table lists the DLT term')
  })
}
