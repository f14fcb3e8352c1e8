import t from 'tap'
import { claimAt, OWN_CLAIMS, readClaims } from '../../src/auth/claims.js'

// Where identity providers put roles and sites (JWT_ROLE_CLAIM, JWT_SITES_CLAIM):
// Keycloak realm roles at realm_access.roles, Entra ID app roles in a `roles`
// array, Auth0 and others in namespaced claims (a URL as the claim name).

const exp = 2_000_000_000
const registered = { sub: 'u-1', exp, iat: 1_900_000_000, iss: 'https://idp.example.test/', aud: ['dlt-safety', 'account'] }

t.test('claimAt: an exact claim name first (namespaced names hold dots), else a dotted path', async (t) => {
  const payload = { 'https://example.org/roles': ['edc'], realm_access: { roles: ['admin'] }, 'a.b': 1, a: { b: 2 }, list: [{ x: 1 }] }
  t.same(claimAt(payload, 'https://example.org/roles'), ['edc'])
  t.same(claimAt(payload, 'realm_access.roles'), ['admin'])
  t.equal(claimAt(payload, 'a.b'), 1, 'the exact name wins over the path')
  t.equal(claimAt(payload, 'realm_access.missing'), undefined)
  t.equal(claimAt(payload, 'list.0.x'), undefined, 'no walking into arrays')
  t.equal(claimAt(payload, 'constructor'), undefined, 'only own properties')
})

t.test('mapped roles and sites: the one role of this service among the provider\'s', async (t) => {
  const cases: Array<[string, { role: string, sites: string }, Record<string, unknown>, { role?: string, sites?: string[], problems?: string[] }]> = [
    ['Entra ID roles array', { role: 'roles', sites: 'sites' }, { roles: ['Reader', 'investigator'], sites: ['site-a'] }, { role: 'investigator', sites: ['site-a'] }],
    ['Keycloak realm roles', { role: 'realm_access.roles', sites: 'site_ids' },
      { realm_access: { roles: ['offline_access', 'uma_authorization', 'edc'] }, site_ids: ['site-a', 'site-b'], azp: 'edc-gateway', scope: 'openid', email: 'x@example.test' },
      { role: 'edc', sites: ['site-a', 'site-b'] }],
    ['namespaced claims', { role: 'https://example.org/roles', sites: 'https://example.org/sites' },
      { 'https://example.org/roles': 'safety_monitor', 'https://example.org/sites': [] }, { role: 'safety_monitor', sites: [] }],
    ['a role as a string in a mapped claim', { role: 'app_role', sites: 'sites' }, { app_role: 'admin' }, { role: 'admin' }],
    ['no role of ours', { role: 'roles', sites: 'sites' }, { roles: ['Reader'] }, { problems: ['roles: no role of this service'] }],
    ['two roles of ours: ambiguous reach', { role: 'roles', sites: 'sites' }, { roles: ['edc', 'admin'] }, { problems: ['roles: more than one role of this service (edc, admin)'] }],
    ['mapped claim absent', { role: 'realm_access.roles', sites: 'sites' }, {}, { problems: ['realm_access.roles'] }],
    ['a role string that is not ours', { role: 'app_role', sites: 'sites' }, { app_role: 'root' }, { problems: ['app_role'] }],
    ['malformed sites', { role: 'roles', sites: 'org.sites' }, { roles: ['edc'], org: { sites: ['bad site!'] } }, { problems: ['org.sites.0'] }]
  ]
  for (const [name, mapping, claims, want] of cases) {
    const result = readClaims({ ...registered, ...claims }, mapping)
    if (want.problems !== undefined) {
      t.same(result, { ok: false, problems: want.problems }, name)
      continue
    }
    t.ok(result.ok, name)
    if (!result.ok) continue
    t.equal(result.claims.role, want.role, `${name}: role`)
    t.same(result.claims.sites, want.sites, `${name}: sites`)
    t.match(result.claims, registered, `${name}: registered claims kept`)
  }
})

t.test('this service\'s own claims: no claim it does not know', async (t) => {
  t.same(readClaims({ ...registered, role: 'edc', sites: ['site-a'] }, OWN_CLAIMS), {
    ok: true, claims: { ...registered, role: 'edc', sites: ['site-a'] }
  })
  t.same(readClaims({ ...registered, role: 'edc', realm_access: {} }, OWN_CLAIMS), { ok: false, problems: ['unknown claim realm_access'] })
  t.same(readClaims({ ...registered, roles: ['edc'] }, OWN_CLAIMS), { ok: false, problems: ['role', 'unknown claim roles'] })
})
