import { EventSource } from 'eventsource'

export interface StatusEvent {
  id: string
  /** when the test received it (Date.now()) */
  receivedAt: number
  data: { trialId: string, decisionId: string, asOf: string, state: string, decision: { action: string }, doseLevels: Array<Record<string, unknown>>, nextChangeAt: string | null }
}

export interface Stream {
  source: EventSource
  /** every `status` event received, in order */
  events: StatusEvent[]
  /** resolves with the first event (received or to come) that matches, or rejects after timeoutMs */
  next: (match: (e: StatusEvent) => boolean, timeoutMs?: number) => Promise<StatusEvent>
  /** the HTTP status and content type of every (re)connection the client made */
  connections: Array<{ status: number, contentType: string | null }>
  close: () => void
}

/**
 * A trial's event stream through the real `eventsource` client, as an
 * integration would open it: `headers` (a bearer token, a first
 * Last-Event-ID) go on every request it makes; `gate`, when given, holds
 * each reconnection until it resolves (so a test can make changes while the
 * client is away).
 */
export function openStream (url: string, headers: Record<string, string> = {}, gate?: () => Promise<void>): Stream {
  const events: StatusEvent[] = []
  const connections: Stream['connections'] = []
  const waiters: Array<{ match: (e: StatusEvent) => boolean, resolve: (e: StatusEvent) => void }> = []
  let requests = 0
  const source = new EventSource(url, {
    fetch: async (input, init) => {
      if (requests++ > 0 && gate !== undefined) await gate()
      // The client's own headers (its Last-Event-ID on a reconnection) win over the test's.
      const sent = new Headers(headers)
      for (const [name, value] of Object.entries(init.headers)) if (value !== undefined) sent.set(name, value)
      const res = await fetch(input, { ...init, headers: sent })
      connections.push({ status: res.status, contentType: res.headers.get('content-type') })
      return res
    }
  })
  source.addEventListener('status', (message) => {
    const event = { id: message.lastEventId, receivedAt: Date.now(), data: JSON.parse(message.data as string) as StatusEvent['data'] }
    events.push(event)
    for (const w of waiters.filter((w) => w.match(event))) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(event)
    }
  })
  return {
    source,
    events,
    connections,
    next: async (match, timeoutMs = 10_000) => {
      const seen = events.find(match)
      if (seen !== undefined) return seen
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; received ${JSON.stringify(events.map((e) => [e.id, e.data.state]))}`)), timeoutMs)
        waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e) } })
      })
    },
    close: () => { source.close() }
  }
}
