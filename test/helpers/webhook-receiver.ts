import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import tap from 'tap'
import { Webhook } from 'standardwebhooks'

export interface Received { headers: IncomingHttpHeaders, body: string, at: number }

/** How the receiver answers the nth request (0-based): a status, or 'hang' (never answers). */
export type Answer = (n: number, received: Received) => number | 'hang'

/** A local http receiver that records every request; closed when the test file ends. */
export async function receiver (answer: Answer = () => 204): Promise<{ url: string, received: Received[], until: (count: number, timeoutMs?: number) => Promise<Received[]> }> {
  const received: Received[] = []
  const waiters: Array<() => void> = []
  // A path of its own: a port is reused, and other processes on the machine may still retry to a closed receiver's.
  const path = `/hook-${randomUUID()}`
  const server = createServer((req, res) => {
    if (req.url !== path) {
      res.writeHead(404).end()
      return
    }
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      const entry = { headers: req.headers, body, at: Date.now() }
      const reply = answer(received.length, entry)
      received.push(entry)
      for (const w of waiters.splice(0)) w()
      if (reply !== 'hang') res.writeHead(reply).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  tap.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const until = async (count: number, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${received.length} of ${count} deliveries within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 50)
      })
    }
    return received
  }
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, received, until }
}

/** The payload, verified as Standard Webhooks with `secret` (throws when it does not verify). */
export function verified (secret: string, r: Received): unknown {
  try {
    return new Webhook(secret).verify(r.body, r.headers as Record<string, string>)
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${JSON.stringify(r.headers)} ${r.body.slice(0, 200)}`)
  }
}
