// The console's files: served from console/ only, each with the console's own
// strict CSP (no inline script or style), while the API keeps its own.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { buildWithoutDatabase } from '../helpers/build.js'
import { CONSOLE_CSP } from '../../src/plugins/console.js'

const { app } = await buildWithoutDatabase()

t.test('/console redirects to /console/, which serves the page with the console CSP', async (t) => {
  const bare = await app.inject({ method: 'GET', url: '/console' })
  t.equal(bare.statusCode, 301)
  t.equal(bare.headers.location, '/console/')
  const page = await app.inject({ method: 'GET', url: '/console/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.equal(page.headers['content-security-policy'], CONSOLE_CSP)
  t.equal(page.headers['referrer-policy'], 'no-referrer', 'no address leaves in a Referer')
  t.equal(page.headers['x-content-type-options'], 'nosniff', 'the other security headers stay')
  t.match(page.body, /<script type="module" src="js\/main.js"><\/script>/)
})

t.test('the CSP allows the console\'s own files only: no inline script or style, no eval, no framing', async (t) => {
  const directives = new Map(CONSOLE_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]))
  t.same(directives.get('default-src'), ["'none'"])
  t.same(directives.get('script-src'), ["'self'"])
  t.same(directives.get('style-src'), ["'self'"])
  t.same(directives.get('connect-src'), ["'self'"])
  t.same(directives.get('frame-ancestors'), ["'none'"])
  const html = readFileSync(new URL('../../console/index.html', import.meta.url), 'utf8')
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')
  t.notMatch(html, /<style|\bstyle=/, 'no inline style')
})

t.test('assets carry their types and the same CSP; the API keeps its own', async (t) => {
  for (const [url, type] of [['/console/js/main.js', /javascript/], ['/console/console.css', /^text\/css/]] as const) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], type)
    t.equal(res.headers['content-security-policy'], CONSOLE_CSP)
    t.equal(res.headers['cache-control'], 'no-cache', 'revalidated on each load')
  }
  const api = await app.inject({ method: 'GET', url: '/health' })
  t.not(api.headers['content-security-policy'], CONSOLE_CSP)
})

t.test('only the files of console/ are served', async (t) => {
  for (const url of ['/console/nope.js', '/console/../package.json', '/console/%2e%2e/package.json', '/console/js/../../package.json', '/console/js']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404, url)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
})
