// The DMC's signed decision on the status in view. The server checks the
// role, the fresh authentication and that the status is still current; the
// page explains those rules and shows the server's answer.
import { fmtTime, h } from './dom.js'
import { claimsOf } from './session.js'

const DECISIONS = [
  ['continue', 'Continue', 'the trial goes on as the status says; lifts a DMC pause'],
  ['modify', 'Modify', 'the trial goes on with a modification (stated in the rationale); lifts a DMC pause'],
  ['pause', 'Pause', 'no enrolment or administration until a later continue or modify'],
  ['terminate', 'Terminate', 'refuses every enrolment and administration; no later DMC decision lifts it (only an admin re-opening does)']
]
const MEANINGS = [
  ['approved', 'Approved', 'I approve this decision'],
  ['reviewed', 'Reviewed', 'I have reviewed the status this decision is taken on']
]

const radios = (name, options, legend) => h('fieldset', {},
  h('legend', { text: legend }),
  options.map(([value, label, help], i) => h('div', { class: 'radio' },
    h('input', { type: 'radio', name, id: `${name}-${value}`, value, required: true, checked: i === 0 && name === 'meaning', 'aria-describedby': `${name}-${value}-help` }),
    h('label', { for: `${name}-${value}`, text: label }),
    h('span', { class: 'hint', id: `${name}-${value}-help`, text: ` ${help}` }))))

/**
 * freshMinutes(): the limit the service states for signatures (undefined or null while unknown);
 * getStatus() the status in view; submit(body, token) posts it.
 */
export function dmcForm ({ getToken, setToken, getStatus, freshMinutes, submit }) {
  const result = h('div', { id: 'dmc-result', role: 'status', 'aria-live': 'polite' })
  const freshness = h('p', { class: 'hint', id: 'dmc-fresh' })
  const onStatus = h('p', { class: 'meta', id: 'dmc-on' })
  const freshToken = h('textarea', { id: 'dmc-fresh-token', rows: 2, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'dmc-fresh' })

  function refresh () {
    const status = getStatus()
    onStatus.replaceChildren('Signs the status ', h('code', { text: status.decisionId }), ` (${status.state}, as of ${fmtTime(status.asOf)}) as `, h('strong', { text: claimsOf(getToken())?.sub ?? '?' }), '.')
    const iat = claimsOf(getToken())?.iat
    const limit = freshMinutes() ?? null
    const rule = `Signing is an electronic signature (21 CFR 11.200): it needs fresh authentication, a token issued ${limit === null ? 'recently' : `in the last ${limit} minutes`}.`
    if (iat === undefined) {
      freshness.textContent = `${rule} Your token states no issue time, so the service will refuse the signature: paste a freshly issued token below.`
    } else {
      const age = Math.floor((Date.now() / 1000 - iat) / 60)
      const stale = limit !== null && age >= limit
      freshness.textContent = `${rule} Your token was issued at ${fmtTime(new Date(iat * 1000).toISOString())} (${age} min ago)${stale ? ': too old to sign, paste a freshly issued token below (it replaces the one in use).' : '.'}`
    }
  }

  const form = h('form', {
    id: 'dmc-form',
    novalidate: true,
    'aria-labelledby': 'dmc-title',
    on: {
      submit: async (event) => {
        event.preventDefault()
        const data = new FormData(form)
        const rationale = String(data.get('rationale') ?? '').trim()
        if (data.get('decision') === null || rationale === '') {
          result.replaceChildren(h('p', { class: 'error', role: 'alert', text: 'Choose a decision and give its rationale.' }))
          return
        }
        const fresh = freshToken.value.trim()
        if (fresh !== '') {
          setToken(fresh)
          freshToken.value = ''
        }
        const body = { decision: data.get('decision'), rationale, statusDecisionId: getStatus().decisionId, signature: { meaning: data.get('meaning') } }
        button.disabled = true
        try {
          const recorded = await submit(body)
          form.reset()
          result.replaceChildren(h('p', { class: 'ok' }, `Recorded: ${recorded.decision}, signed ${recorded.signature.meaning} by ${recorded.signature.signer} at ${fmtTime(recorded.signature.signedAt)}, over status SHA-256 `,
            h('code', { text: recorded.signature.statusSha256 }), ` (decision ${recorded.dmcDecisionId}).`))
        } catch (error) {
          const slug = String(error.problem?.type ?? '')
          const explain = slug.endsWith('fresh-authentication-required')
            ? ' Authenticate again (issue a new token) and paste it above, then sign.'
            : slug.endsWith('stale-status') ? ' The status shown above is the current one now: review it and decide again.' : ''
          result.replaceChildren(h('p', { class: 'error', role: 'alert', text: `Not recorded (${error.status ?? 'network'}): ${error.message}${explain}` }))
        } finally {
          button.disabled = false
          refresh()
        }
      }
    }
  })
  const button = h('button', { type: 'submit', text: 'Sign and record' })
  form.append(
    h('h2', { id: 'dmc-title', text: 'Record a DMC decision' }),
    onStatus,
    radios('decision', DECISIONS, 'Decision'),
    h('label', { for: 'dmc-rationale', text: 'Rationale' }),
    h('textarea', { id: 'dmc-rationale', name: 'rationale', rows: 4, required: true, maxlength: 10000 }),
    radios('meaning', MEANINGS, 'Meaning of the signature'),
    freshness,
    h('label', { for: 'dmc-fresh-token', text: 'Freshly issued token (optional)' }),
    freshToken,
    button,
    result)
  refresh()
  return { element: form, refresh }
}
