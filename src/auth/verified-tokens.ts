/**
 * Tokens already verified, by the whole token (an exact key: no two tokens
 * share one), so that a repeated token costs a map lookup instead of a
 * signature check. An entry holds until the token expires, and only while
 * the key set that verified it is still the one in use (a removed key's
 * tokens are verified again, and refused).
 */
export function verifiedTokens<T> (max: number, now: () => number = Date.now) {
  const entries = new Map<string, { value: T, until: number, generation: number }>()
  return {
    get (token: string, generation: number): T | undefined {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      if (entry.generation !== generation || now() > entry.until) {
        entries.delete(token)
        return undefined
      }
      return entry.value
    },
    /** `until`: the last instant (ms) the token is valid; a negative generation (a key set due for a fetch) is not kept */
    set (token: string, value: T, until: number, generation: number): void {
      if (generation < 0) return
      // Maps keep insertion order: the oldest entry goes first.
      if (entries.size >= max) entries.delete(entries.keys().next().value!)
      entries.set(token, { value, until, generation })
    }
  }
}
