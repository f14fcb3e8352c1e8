import type { Db, Tx } from '../../db/client.js'

/**
 * A transaction whose writes need not be waited on one by one. Statements on
 * one connection run in the order they are issued, so a write handed to
 * `defer` is seen by every statement issued after it, and the round trip it
 * would have cost is shared with them. Issue deferred writes with
 * `.execute()` (a drizzle builder is lazy: it runs when awaited) and read
 * them back, where needed, with statements issued afterwards.
 */
export interface Pipeline {
  tx: Tx
  defer: (write: Promise<unknown>) => void
}

/**
 * Runs `body` in a transaction with a pipeline. COMMIT is sent as soon as the
 * body returns, right behind the deferred writes, and they are settled after
 * it: a write that failed aborted the transaction, and PostgreSQL answers a
 * COMMIT in an aborted transaction by rolling it back, so nothing was
 * committed and that write's error is thrown. The transaction's lock is
 * released a round trip sooner than if the writes were awaited first. When a
 * deferred write failed, its error is the one thrown: the statements after it
 * failed only because the transaction was already aborted.
 */
export async function pipelinedTransaction<T> (db: Db, body: (pipeline: Pipeline) => Promise<T>): Promise<T> {
  const writes = deferredWrites()
  let value: T
  try {
    value = await db.transaction(async (tx) => await body({ tx, defer: writes.defer }))
  } catch (error) {
    throw (await writes.firstFailure()) ?? error
  }
  const failure = await writes.firstFailure()
  if (failure !== undefined) throw failure
  return value
}

/** Writes handed to `defer`, and the error of the first that failed, in the order they were issued (the order they ran). */
export function deferredWrites (): { defer: Pipeline['defer'], firstFailure: () => Promise<unknown> } {
  const writes: Promise<unknown>[] = []
  return {
    defer: (write) => {
      // Settled by firstFailure; until then a rejection is not unhandled.
      write.catch(() => {})
      writes.push(write)
    },
    firstFailure: async () => {
      const settled = await Promise.allSettled(writes)
      return settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason
    }
  }
}
