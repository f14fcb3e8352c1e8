// The trial's event stream read with fetch(), so that it carries the
// Authorization header (EventSource cannot), parsed as text/event-stream, and
// resumed with Last-Event-ID after a drop, so no decision is missed.

const SILENCE_MS = 45_000 // the server sends a heartbeat every 15 s
const MAX_BACKOFF_MS = 15_000

/** Parses complete SSE blocks from `buffer`; returns the events and what is left. */
export function parseEvents (buffer) {
  const events = []
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n')
  const rest = blocks.pop()
  for (const block of blocks) {
    const event = { id: null, event: 'message', data: [] }
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'id') event.id = value
      else if (field === 'event') event.event = value
      else if (field === 'data') event.data.push(value)
    }
    if (event.data.length > 0) events.push({ ...event, data: event.data.join('\n') })
  }
  return { events, rest }
}

/**
 * Opens the stream and keeps it open until close(). onEvent gets each event;
 * onState 'connecting' | 'live' | 'disconnected' (with the retry delay in ms) | 'refused' (with the error).
 */
export function openStream ({ url, token, onEvent, onState }) {
  let lastEventId = null
  let controller = null
  let closed = false
  let backoff = 1000
  let timer = null

  async function connect () {
    controller = new AbortController()
    let watchdog = null
    const arm = () => {
      clearTimeout(watchdog)
      watchdog = setTimeout(() => controller.abort(), SILENCE_MS)
    }
    onState('connecting')
    try {
      const headers = { authorization: `Bearer ${token()}`, accept: 'text/event-stream' }
      if (lastEventId !== null) headers['last-event-id'] = lastEventId
      const res = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' })
      if (!res.ok) {
        const problem = await res.json().catch(() => ({}))
        // 401/403/404 do not heal by retrying; 429 and 5xx do.
        if ([401, 403, 404].includes(res.status)) {
          closed = true
          onState('refused', problem.detail ?? `HTTP ${res.status}`)
          return
        }
        throw new Error(problem.detail ?? `HTTP ${res.status}`)
      }
      onState('live')
      backoff = 1000
      arm()
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        arm()
        const parsed = parseEvents(buffer + value)
        buffer = parsed.rest
        for (const event of parsed.events) {
          if (event.id !== null) lastEventId = event.id
          onEvent(event)
        }
      }
    } catch {
      // aborted by close(), the watchdog or a network failure: reconnect below unless closed
    } finally {
      clearTimeout(watchdog)
    }
    if (closed) return
    onState('disconnected', backoff)
    timer = setTimeout(connect, backoff)
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
  }

  connect()
  return {
    close () {
      closed = true
      clearTimeout(timer)
      controller?.abort()
    }
  }
}
