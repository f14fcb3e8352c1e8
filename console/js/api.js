// The service's API as this token sees it: every view is drawn from these
// answers, so a site-scoped or blinded token sees in the console exactly what
// it may see through the API.

const MAX_RETRIES = 30

export class ApiError extends Error {
  constructor (status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`)
    this.status = status
    this.problem = problem ?? {}
  }
}

export function createApi (getToken) {
  async function request (method, path, body) {
    const headers = { authorization: `Bearer ${getToken()}`, accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res
    for (let attempt = 0; ; attempt++) {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
      // Over the token's request limit (a large swimmer plot reads per participant): wait as told, then go on.
      if (res.status !== 429 || attempt === MAX_RETRIES) break
      await new Promise((resolve) => setTimeout(resolve, 1000 * (Number(res.headers.get('retry-after')) || 2)))
    }
    const text = await res.text()
    const data = text === '' ? null : JSON.parse(text)
    if (!res.ok) throw new ApiError(res.status, data)
    return data
  }

  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    /** every page of a list, oldest page first; onPage sees the items so far */
    async all (path, onPage = () => {}) {
      const items = []
      let cursor = null
      do {
        const sep = path.includes('?') ? '&' : '?'
        const page = await request('GET', `${path}${sep}limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
        items.push(...page.items)
        cursor = page.nextCursor
        onPage(items, cursor !== null)
      } while (cursor !== null)
      return items
    }
  }
}

/** runs fn over items, at most `width` at once */
export async function eachLimited (items, width, fn) {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
}
