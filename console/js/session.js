// The token lives in this tab's sessionStorage only: never in a cookie, never
// in the address bar (a #token= fragment is read once and dropped).

const KEY = 'dlt-console.token'

/** Reads #token=…&trial=… and removes the token from the address bar (and so from history). */
export function takeFragment () {
  const params = new URLSearchParams(window.location.hash.slice(1))
  const token = params.get('token')
  const trial = params.get('trial')
  if (token !== null) {
    params.delete('token')
    const rest = params.toString()
    window.history.replaceState(null, '', window.location.pathname + window.location.search + (rest === '' ? '' : `#${rest}`))
  }
  return { token: token?.trim() || null, trial: trial || null }
}

export const storedToken = () => sessionStorage.getItem(KEY)
export const storeToken = (token) => sessionStorage.setItem(KEY, token)
export const forgetToken = () => sessionStorage.removeItem(KEY)

/**
 * The token's claims, read without verification: for display only (who is
 * signed in, when the token was issued). The server verifies every request.
 */
export function claimsOf (token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
    return JSON.parse(atob(part.padEnd(part.length + (4 - part.length % 4) % 4, '=')))
  } catch {
    return null
  }
}

/** Keeps the chosen trial in the fragment, so a reload or a bookmark opens it again. */
export function rememberTrial (trialId) {
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#trial=${encodeURIComponent(trialId)}`)
}
