import type { Tx } from './client.js'

/**
 * A view of a transaction that refuses statements once it has ended. Every
 * statement drizzle sends, from its builders or from db/statements.ts, is
 * prepared through the transaction's session, so that is where it is refused.
 * One write of a coalesced group runs on such a view: when it fails, a
 * statement still to be issued by one of its branches (a sibling in a
 * Promise.all that threw first) cannot land among the next write's.
 */
export const writeEnded = (): Error => new Error('this write has ended: its transaction refuses further statements')

export function scopedTransaction (tx: Tx): { tx: Tx, end: () => void, ended: () => boolean } {
  let ended = false
  const session = new Proxy(tx._.session, {
    get (target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (property !== 'prepareQuery' || typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (ended) throw writeEnded()
        return value.apply(target, args)
      }
    }
  })
  const internals = { ...tx._, session }
  const scoped = new Proxy(tx, {
    get (target, property, receiver) {
      if (property === 'session') return session
      if (property === '_') return internals
      return Reflect.get(target, property, receiver)
    }
  })
  return { tx: scoped, end: () => { ended = true }, ended: () => ended }
}
