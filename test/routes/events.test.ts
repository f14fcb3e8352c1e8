import t from 'tap'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, enrolDosed, mildAe, reportAe } from '../helpers/fixtures.js'

interface SseEvent { id?: string, event?: string, data: string }

/** Opens an event stream and yields its events as they arrive. */
function subscribe (url: string, headers: Record<string, string>): { events: SseEvent[], next: (match: (e: SseEvent) => boolean) => Promise<SseEvent>, close: () => void } {
  const events: SseEvent[] = []
  const waiters: { match: (e: SseEvent) => boolean, resolve: (e: SseEvent) => void }[] = []
  let buffer = ''
  const req = request(url, { headers: { ...headers, accept: 'text/event-stream' } }, (res: IncomingMessage) => {
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      buffer += chunk
      let end
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event: SseEvent = { data: '' }
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(':')
          const value = rest.join(':').replace(/^ /, '')
          if (field === 'id') event.id = value
          else if (field === 'event') event.event = value
          else if (field === 'data') event.data += value
        }
        if (event.data === '') continue
        events.push(event)
        for (const w of waiters.filter((w) => w.match(event))) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(event)
        }
      }
    })
  })
  req.on('error', () => {})
  req.end()
  return {
    events,
    next: async (match) => {
      const seen = events.find(match)
      if (seen !== undefined) return seen
      return await new Promise((resolve) => waiters.push({ match, resolve }))
    },
    close: () => { req.destroy() }
  }
}

const isHalt = (e: SseEvent) => e.event === 'status' && (JSON.parse(e.data) as { decision: { action: string } }).decision.action === 'halt_trial'

t.test('an SSE subscriber hears of a stopping rule within one second, and resumes with Last-Event-ID', async (t) => {
  const { app } = await build()
  const trialId = 'SSE-1'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'E-1', 1, 2)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/trials/${trialId}/events`

  const stream = subscribe(base, bearer('dmc'))
  t.teardown(stream.close)
  const first = await stream.next((e) => e.event === 'status')
  t.ok(first.id, 'the current status comes first, with its decision id')
  t.equal(JSON.parse(first.data).trialId, trialId)

  const started = Date.now()
  await reportAe(app, trialId, { ...mildAe('E-1', daysAgo(1).date), attribution: 'definite', serious: true, seriousnessCriteria: ['hospitalization'] })
  const halt = await Promise.race([
    stream.next(isHalt),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000))
  ])
  const elapsed = Date.now() - started
  t.ok(halt !== null, `the halt reached the subscriber in ${elapsed} ms (AE write included)`)
  t.not(halt?.id, first.id, 'a new event id')

  const resumed = subscribe(base, { ...bearer('dmc'), 'last-event-id': first.id! })
  t.teardown(resumed.close)
  const replay = await resumed.next(isHalt)
  t.equal(replay.id, halt?.id, 'a client resuming from the first event receives the decision it missed')

  const refused = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/events`, headers: { accept: 'text/event-stream' } })
  t.equal(refused.statusCode, 401, 'the stream needs a token')
})
