import t from 'tap'
import type { FastifyReply } from 'fastify'
import { itemLimiter } from '../../src/http/item-limit.js'
import { AppError } from '../../src/lib/errors.js'

// Bulk requests are counted per item, per subject, in windows of their own.
const fakeReply = () => {
  const headers: Record<string, string> = {}
  return { headers, reply: { header: (name: string, value: string) => { headers[name] = value } } as unknown as FastifyReply }
}

t.test('items are charged per subject; a batch that does not fit is 429 with Retry-After and charges nothing', async (t) => {
  const charge = itemLimiter({ max: 1000, windowMs: 60_000 })
  const first = fakeReply()
  charge(first.reply, 'edc-a', 600)
  t.match(first.headers, { 'ratelimit-limit': '1000', 'ratelimit-remaining': '400', 'ratelimit-reset': /^(59|60)$/ })

  const over = fakeReply()
  const refused = (() => {
    try {
      charge(over.reply, 'edc-a', 401)
    } catch (error) {
      return error
    }
    return undefined
  })()
  t.ok(refused instanceof AppError)
  t.match(refused, { statusCode: 429, slug: 'too-many-items' })
  t.match(over.headers, { 'ratelimit-remaining': '400', 'retry-after': /^(59|60)$/ })

  const fits = fakeReply()
  charge(fits.reply, 'edc-a', 400)
  t.equal(fits.headers['ratelimit-remaining'], '0', 'the refused batch was not charged')
  const other = fakeReply()
  charge(other.reply, 'edc-b', 1000)
  t.equal(other.headers['ratelimit-remaining'], '0', 'another subject has its own budget')
})

t.test('the budget comes back when the window ends', async (t) => {
  const charge = itemLimiter({ max: 1000, windowMs: 1000 })
  charge(fakeReply().reply, 'edc', 1000)
  t.throws(() => { charge(fakeReply().reply, 'edc', 1) })
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const again = fakeReply()
  charge(again.reply, 'edc', 1)
  t.equal(again.headers['ratelimit-remaining'], '999')
})
