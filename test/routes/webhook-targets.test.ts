import { lookup } from 'node:dns/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { createTrial, enrolDosed } from '../helpers/fixtures.js'
import { isPublicAddress } from '../../src/lib/webhook-target.js'

// The default: WEBHOOK_ALLOW_PRIVATE_TARGETS is not set.
const { app } = await build()
const admin = bearer('admin')
const trialId = 'HOOK-SSRF'
await createTrial(app, trialId)

t.test('http, loopback, private and link-local targets are refused at creation', async (t) => {
  for (const url of ['http://hooks.example.org/dlt', 'https://127.0.0.1/dlt', 'https://[::1]/dlt', 'https://169.254.169.254/latest', 'https://192.168.0.10/dlt', 'https://localhost/dlt']) {
    const res = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/webhooks`, headers: admin, payload: { url } })
    t.equal(res.statusCode, 422, url)
    t.match(res.json(), { errors: [{ path: '/url' }] })
  }
  const ok = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/webhooks`, headers: admin, payload: { url: 'https://hooks.example.org/dlt' } })
  t.equal(ok.statusCode, 201, 'a public https target is accepted')
  await app.inject({ method: 'DELETE', url: `/v1/trials/${trialId}/webhooks/${(ok.json() as { webhookId: string }).webhookId}`, headers: admin })
})

// This machine's own name passes the checks on the URL, and resolves to one of its own addresses.
const name = hostname()
const addresses = await lookup(name, { all: true }).catch(() => [])
const resolvesPrivate = addresses.length > 0 && addresses.some((a) => !isPublicAddress(a.address))

t.test('a name that resolves to a private address is refused when delivering, before connecting', {
  skip: resolvesPrivate ? false : `${name} does not resolve to a private address here`
}, async (t) => {
  let connections = 0
  const listener = createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve))
  t.teardown(() => listener.close())
  const url = `https://${name}:${(listener.address() as AddressInfo).port}/dlt`
  const created = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/webhooks`, headers: admin, payload: { url } })
  t.equal(created.statusCode, 201, 'the URL names no address: it is checked when it is resolved')
  const { webhookId } = created.json() as { webhookId: string }
  await enrolDosed(app, trialId, 'SSRF-1', 1, 2)
  let delivery: { attempts: number, lastError: string | null, state: string } | undefined
  for (let i = 0; i < 200 && (delivery?.attempts ?? 0) === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    delivery = ((await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/webhooks/${webhookId}/deliveries`, headers: admin })).json() as { items: typeof delivery[] }).items[0]
  }
  t.match(delivery, { attempts: 1, state: 'pending', lastError: /not a public address/ }, 'the attempt failed on the resolved address')
  t.equal(connections, 0, 'no connection was made')
})
