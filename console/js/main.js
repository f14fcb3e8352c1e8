// The console: sign-in, the trial's views, and live updates from its event stream.
import { ApiError, createApi, eachLimited } from './api.js'
import { dltChart, dltTable, protocolMarks } from './chart-dlt.js'
import { lanes, swimmerChart, swimmerTable } from './chart-swimmer.js'
import { dmcForm } from './dmc-form.js'
import { fmtTime, h } from './dom.js'
import { figure } from './figure.js'
import { claimsOf, forgetToken, rememberTrial, storedToken, storeToken, takeFragment } from './session.js'
import { openStream } from './stream.js'
import { banner, decisionHistory, decisionTableView, protocolView, summaryTable, toxicityTable } from './views.js'

const $ = (id) => document.getElementById(id)
let token = null
const api = createApi(() => token)
let view = null // the open trial: { trialId, stream, ... }
let freshLimit // minutes a signature's token may be old: undefined until read, null when unknown

const path = (trialId, rest = '') => `/v1/trials/${encodeURIComponent(trialId)}${rest}`
const denied = (error) => h('p', { class: 'notice', text: error instanceof ApiError ? `Not available to this token (${error.status}): ${error.message}` : `Could not load: ${error.message}` })

function setToken (value) {
  token = value
  storeToken(value)
  const c = claimsOf(value)
  $('who').textContent = c === null ? 'unreadable token' : `${c.sub} · ${c.role}${c.sites === undefined ? '' : ` · sites ${c.sites.join(', ')}`}`
}

function showSignIn (message = '') {
  view?.stream.close()
  view = null
  for (const id of ['who', 'live', 'sign-out', 'trial-view']) $(id).hidden = true
  $('sign-in').hidden = false
  $('sign-in-error').textContent = message
  $('token-input').focus()
}

function setLive (state, detail) {
  const el = $('live')
  el.hidden = false
  el.dataset.state = state
  el.textContent = {
    connecting: 'Connecting to live updates…',
    live: 'Live: updates as decisions are made',
    disconnected: `Disconnected from live updates: retrying in ${Math.round(detail / 1000)} s. The views may be out of date.`,
    refused: `Live updates refused: ${detail}`
  }[state]
}

async function signIn (value, trialId) {
  setToken(value)
  let trials
  try {
    trials = await api.all('/v1/trials')
  } catch (error) {
    forgetToken()
    token = null
    showSignIn(`Sign-in failed: ${error.message}`)
    return
  }
  $('sign-in').hidden = true
  for (const id of ['who', 'sign-out']) $(id).hidden = false
  if (trials.length === 0) {
    $('trial-view').hidden = false
    $('trial-view').replaceChildren(h('p', { class: 'notice', text: 'This token covers no trial.' }))
    return
  }
  const chosen = trials.find((t) => t.trialId === trialId) ?? trials[0]
  await openTrial(chosen.trialId, trials)
}

function trialPicker (trials, current) {
  const select = h('select', { id: 'trial-select', on: { change: () => openTrial(select.value, trials) } },
    trials.map((t) => h('option', { value: t.trialId, selected: t.trialId === current, text: `${t.trialId}: ${t.title}` })))
  return h('div', { class: 'picker' }, h('label', { for: 'trial-select', text: 'Trial' }), select)
}

const section = (id, title, ...children) => h('section', { id, class: 'card', tabindex: '-1', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title`, text: title }), children)

async function openTrial (trialId, trials) {
  view?.stream.close()
  rememberTrial(trialId)
  const root = $('trial-view')
  root.hidden = false
  root.replaceChildren(h('p', { class: 'notice', text: `Loading ${trialId}…` }))
  let trial
  let status
  try {
    [trial, status] = await Promise.all([api.get(path(trialId)), api.get(path(trialId, '/status'))])
  } catch (error) {
    root.replaceChildren(trialPicker(trials, trialId), denied(error))
    return
  }
  const levelLabel = new Map(trial.protocol.doseLevels.map((d) => [d.level, d.label]))
  const labelOf = (g) => g.armId ? `arm ${g.armId}` : `DL${g.doseLevel}${levelLabel.has(g.doseLevel) ? ` (${levelLabel.get(g.doseLevel)})` : ''}`
  const shortLabel = (g) => g.armId ? `arm ${g.armId}` : `DL${g.doseLevel}`
  const me = { trialId, trial, status, labelOf, stream: { close () {} }, refreshTimer: null, loading: null, again: false }
  view = me

  const bannerSlot = h('div', { id: 'banner-slot' })
  const dlt = figure({ title: 'DLT rate per dose level', name: `${trialId}-dlt-rates`, note: 'Point: DLTs / evaluable; bar: exact (Clopper-Pearson) 95% interval; dashed lines: the protocol\'s target and stopping thresholds.' })
  const swim = figure({ title: 'Swimmer plot', name: `${trialId}-swimmer`, note: 'Each lane a participant, in days from the first administration; shaded: the DLT windows the protocol opens; marks: the worst grade of the AEs of a day (of a week when the plot spans over 120 days); diamond: a DLT among them.' })
  const swimState = h('p', { class: 'hint', id: 'swimmer-state', role: 'status' })
  const slots = { summary: h('div'), tox: h('div'), history: h('div'), table: h('div'), protocol: h('div'), swimmer: h('div') }
  slots.swimmer.append(swim.element, swimState)
  me.bannerSlot = bannerSlot
  me.dlt = dlt
  me.swim = swim
  me.swimState = swimState
  me.slots = slots
  me.shortLabel = shortLabel

  const isDmc = claimsOf(token)?.role === 'dmc'
  const nav = h('nav', { class: 'toc', 'aria-label': 'Sections' }, h('ul', {},
    [['banner-slot', 'Stop/go'], ['dlt', 'DLT rates'], ['swimmer', 'Swimmer plot'], ['toxicity', 'Toxicity'], isDmc ? ['dmc', 'DMC decision'] : null, ['history', 'History'], ['decision-table', 'Decision table'], ['protocol', 'Protocol']]
      .filter((entry) => entry !== null)
      .map(([id, text]) => h('li', {}, h('a', { href: `#${id}`, on: { click: (e) => { e.preventDefault(); $(id)?.scrollIntoView(); $(id)?.focus() } }, text })))))
  let form = null
  if (isDmc) {
    form = dmcForm({
      getToken: () => token,
      setToken,
      getStatus: () => me.status,
      freshMinutes: () => freshLimit,
      submit: async (body) => {
        const recorded = await api.post(path(trialId, '/dmc-decisions'), body)
        showStatus(me, recorded.status)
        return recorded
      }
    })
  }
  me.form = form
  // The limit is read from the service's own documentation, without holding up the views.
  if (form !== null && freshLimit === undefined) freshMinutes().then((m) => { freshLimit = m; form.refresh() })
  root.replaceChildren(
    h('div', { class: 'trial-head' }, h('h1', { id: 'trial-title', text: `${trial.trialId}: ${trial.title}` }), trialPicker(trials, trialId)),
    nav,
    bannerSlot,
    h('section', { id: 'dlt', class: 'card', 'aria-label': 'DLT rates', tabindex: '-1' }, dlt.element, slots.summary),
    h('section', { id: 'swimmer', class: 'card', 'aria-label': 'Swimmer plot', tabindex: '-1' }, slots.swimmer),
    section('toxicity', 'Toxicity table', slots.tox),
    isDmc ? h('section', { id: 'dmc', class: 'card dmc', tabindex: '-1' }, form.element) : null,
    section('history', 'Decision history', slots.history),
    section('decision-table', 'Decision table', slots.table),
    section('protocol', 'Protocol in force', slots.protocol))

  showStatus(me, status)
  performance.mark('console:status')
  await Promise.all([loadDetails(me), loadSwimmer(me), loadProtocol(me)])
  if (view !== me) return
  me.stream = openStream({
    url: path(trialId, '/events'),
    token: () => token,
    onState: (state, detail) => { if (view === me) setLive(state, detail) },
    onEvent: (event) => {
      if (view !== me || event.event !== 'status') return
      const next = JSON.parse(event.data)
      if (next.decisionId === me.status.decisionId) return
      showStatus(me, next)
      scheduleRefresh(me)
    }
  })
}

/** The banner, the chart and the DMC form's status: all from one status document, redrawn at once on each event. */
function showStatus (me, status) {
  me.status = status
  const marks = protocolMarks(me.trial.protocol)
  me.bannerSlot.replaceChildren(banner(status, me.labelOf, me.waits ?? []))
  me.dlt.update(dltChart(status.doseLevels, me.shortLabel, marks, `DLT rate per group, ${me.trialId}, as of ${fmtTime(status.asOf)}`), dltTable(status.doseLevels, me.labelOf))
  me.form?.refresh()
}

/** The documents a new decision changes, fetched once the burst of events has settled. */
function scheduleRefresh (me) {
  clearTimeout(me.refreshTimer)
  me.refreshTimer = setTimeout(() => {
    if (view !== me) return
    loadDetails(me)
    loadSwimmer(me)
  }, 300)
}

async function loadDetails (me) {
  const { trialId, slots, labelOf } = me
  const [summary, decisions, table, queries] = await Promise.allSettled([
    api.get(path(trialId, '/summary')),
    api.get(path(trialId, '/decisions?limit=100')),
    api.get(path(trialId, '/decision-table')),
    api.all(path(trialId, '/adverse-events?dltVerdict=needs_information'))
  ])
  if (view !== me) return
  slots.summary.replaceChildren(summary.status === 'fulfilled' ? summaryTable(summary.value, labelOf) : denied(summary.reason))
  slots.tox.replaceChildren(summary.status === 'fulfilled' ? toxicityTable(summary.value, labelOf) : denied(summary.reason))
  if (decisions.status === 'fulfilled') {
    let cursor = decisions.value.nextCursor
    const older = async () => {
      const page = await api.get(path(trialId, `/decisions?limit=100&cursor=${encodeURIComponent(cursor)}`))
      cursor = page.nextCursor
      return { items: page.items, more: cursor !== null }
    }
    slots.history.replaceChildren(decisionHistory(decisions.value.items, me.status.decisionId, cursor !== null, older))
  } else {
    slots.history.replaceChildren(denied(decisions.reason))
  }
  slots.table.replaceChildren(table.status === 'fulfilled' ? decisionTableView(table.value) : denied(table.reason))
  // Open DLT queries to the sites: the trial waits for their answers (not visible to a blinded DMC).
  me.waits = queries.status === 'fulfilled' && queries.value.length > 0
    ? [`${queries.value.length} open DLT quer${queries.value.length === 1 ? 'y' : 'ies'} to the sites (AEs whose verdict needs information: ${[...new Set(queries.value.flatMap((a) => a.dlt.missing))].join(', ')})`]
    : []
  me.bannerSlot.replaceChildren(banner(me.status, labelOf, me.waits))
  performance.mark('console:details')
}

async function loadProtocol (me) {
  const versions = await api.all(path(me.trialId, '/protocol/versions')).catch(() => null)
  if (view === me) me.slots.protocol.replaceChildren(protocolView(me.trial, versions))
}

/** Participants, their administrations and AEs; drawn as the AEs arrive, page by page. Reloads once more if asked meanwhile. */
async function loadSwimmer (me) {
  if (me.loading !== null) {
    me.again = true
    return await me.loading
  }
  me.loading = (async () => {
    const { trialId, trial, swim, swimState } = me
    try {
      const [participants, firstPage] = await Promise.all([api.all(path(trialId, '/participants')), api.get(path(trialId, '/adverse-events?limit=500'))])
      const administrations = new Map()
      const aesOf = new Map()
      let aeCount = 0
      const draw = (more) => {
        const rows = lanes(participants, administrations, aesOf, me.status.asOf)
        swim.update(swimmerChart(rows, trial.protocol, me.shortLabel, `Swimmer plot, ${trialId}`), swimmerTable(rows, me.labelOf))
        swimState.textContent = more ? `Loading: ${aeCount} adverse events so far…` : `${participants.length} participants, ${aeCount} adverse events.`
      }
      const keep = (ae) => {
        const list = aesOf.get(ae.participantId)
        if (list === undefined) aesOf.set(ae.participantId, [ae])
        else list.push(ae)
        aeCount++
      }
      // One page holds every AE of most trials; a longer list is read participant by participant,
      // several at once (a keyset-paged trial-wide list can only be read one page after another).
      const many = firstPage.nextCursor !== null
      if (!many) firstPage.items.forEach(keep)
      // While a long list loads it is redrawn now and then, never spending more than a fifth of the time drawing.
      let drawn = performance.now()
      let pause = 3000
      await eachLimited(participants, 6, async (p) => {
        const id = encodeURIComponent(p.participantId)
        const [doses, aes] = await Promise.all([
          p.firstAdministrationAt === null ? [] : api.all(path(trialId, `/participants/${id}/administrations`)),
          many ? api.all(path(trialId, `/adverse-events?participantId=${id}`)) : []
        ])
        administrations.set(p.participantId, doses)
        aes.forEach(keep)
        if (many && view === me && performance.now() - drawn > pause) {
          const began = performance.now()
          draw(true)
          drawn = performance.now()
          pause = Math.max(3000, 4 * (drawn - began))
        }
      })
      if (view === me) draw(false)
      performance.mark('console:swimmer')
    } catch (error) {
      if (view === me) me.slots.swimmer.replaceChildren(h('h2', { text: 'Swimmer plot' }), denied(error))
    }
  })()
  await me.loading
  me.loading = null
  if (me.again && view === me) {
    me.again = false
    await loadSwimmer(me)
  }
}

/** The fresh-authentication limit of a signature, as the service documents it. */
async function freshMinutes () {
  try {
    const doc = await (await fetch('/openapi.json')).json()
    const text = doc.paths['/v1/trials/{trialId}/dmc-decisions'].post.description
    const m = /issued in the last (\d+) minutes/.exec(text)
    return m === null ? null : Number(m[1])
  } catch {
    return null
  }
}

function start () {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const value = $('token-input').value.trim()
    if (value === '') {
      $('sign-in-error').textContent = 'Paste a token first.'
      return
    }
    $('token-input').value = ''
    signIn(value, new URLSearchParams(window.location.hash.slice(1)).get('trial'))
  })
  $('sign-out').addEventListener('click', () => {
    forgetToken()
    token = null
    showSignIn('Signed out.')
  })
  const fragment = takeFragment()
  const given = fragment.token ?? storedToken()
  if (given === null) showSignIn()
  else signIn(given, fragment.trial)
}

start()
