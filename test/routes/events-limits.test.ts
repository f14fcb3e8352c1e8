// Event streams are capped (issue #17): each open stream holds a socket and a
// listener for as long as the client likes, so one token (or many) could
// exhaust an instance. Beyond the caps a new stream is refused with 429 and
// Retry-After, and a closed stream frees its place.
import { request, type ClientRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { createTrial } from '../helpers/fixtures.js'

const { app } = await build({ SSE_MAX_PER_SUBJECT: '2', SSE_MAX_PER_INSTANCE: '3' })
const trialId = 'SSE-CAP-1'
await createTrial(app, trialId)
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

interface Opened { status: number, headers: Record<string, unknown>, body: Promise<string>, req: ClientRequest }
const open = async (sub: string) => await new Promise<Opened>((resolve, reject) => {
  const req = request(`${base}/v1/trials/${trialId}/events`, { headers: { ...bearer('safety_monitor', { sub }), accept: 'text/event-stream' } }, (res) => {
    let text = ''
    res.setEncoding('utf8')
    const body = new Promise<string>((resolve) => { res.on('data', (c: string) => { text += c }); res.on('end', () => resolve(text)); res.on('close', () => resolve(text)) })
    resolve({ status: res.statusCode!, headers: res.headers, body, req })
  })
  req.on('error', reject)
  req.end()
})

t.test('per subject and per instance caps: 429 problem+json with Retry-After; a closed stream frees its place', async (t) => {
  const a1 = await open('alice')
  const a2 = await open('alice')
  t.same([a1.status, a2.status], [200, 200], 'two streams for alice')
  const a3 = await open('alice')
  t.equal(a3.status, 429, 'a third for the same subject is refused')
  t.equal(a3.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(a3.headers['retry-after'], /^\d+$/)
  t.match(JSON.parse(await a3.body), { type: 'urn:dlt-safety:problem:too-many-streams', status: 429 })

  const b1 = await open('bob')
  t.equal(b1.status, 200, 'another subject may open one: three streams on the instance')
  const c1 = await open('carol')
  t.equal(c1.status, 429, 'the instance cap holds for a new subject')
  t.match(JSON.parse(await c1.body), { detail: /instance already serves 3 event streams/ })

  a1.req.destroy()
  let again = await open('carol')
  for (let i = 0; again.status === 429 && i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    again = await open('carol')
  }
  t.equal(again.status, 200, 'alice closed one: carol gets its place')
  for (const s of [a2, b1, again]) s.req.destroy()
})
