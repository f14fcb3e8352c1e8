// The trial's documents as the DMC reads them: every value shown is one the
// API returned; nothing here decides anything.
import { fmtPct, fmtTime, h, scroller, table } from './dom.js'

const ACTIONS = {
  escalate: 'Escalate',
  stay: 'Stay at the current level',
  de_escalate: 'De-escalate',
  expand_cohort: 'Expand the cohort',
  stop_escalation: 'Stop escalation',
  mtd_reached: 'MTD reached',
  halt_trial: 'Halt the trial',
  complete: 'Complete'
}
export const actionText = (a) => ACTIONS[a] ?? a
const STATES = { go: 'GO', hold: 'HOLD', stop: 'STOP' }

/** The stop/go banner: decision, reasons, rules, what the trial waits for and when it changes by time alone. */
export function banner (status, labelOf, waits) {
  const d = status.decision
  const pending = status.doseLevels.filter((g) => g.pending > 0)
  const sentinels = status.doseLevels.filter((g) => g.sentinelWaitUntil)
  const waitItems = [
    ...pending.map((g) => `${g.pending} participant${g.pending === 1 ? '' : 's'} pending at ${labelOf(g)}: DLT window not complete (or assessment missing), no DLT yet`),
    ...sentinels.map((g) => `sentinel interval at ${labelOf(g)} until ${fmtTime(g.sentinelWaitUntil)}`),
    ...waits
  ]
  return h('section', { class: `banner banner-${status.state}`, id: 'banner', 'aria-labelledby': 'banner-title', dataset: { state: status.state, decisionId: status.decisionId } },
    h('h2', { id: 'banner-title' },
      h('span', { class: 'state', text: STATES[status.state] ?? status.state }), ' ',
      h('span', { class: 'action', text: actionText(d.action) }),
      d.nextDoseLevel === null ? null : h('span', { class: 'next', text: ` · next dose level ${d.nextDoseLevel}` }),
      d.mtdDoseLevel === null || d.mtdDoseLevel === undefined ? null : h('span', { class: 'next', text: ` · MTD level ${d.mtdDoseLevel}` })),
    h('div', { class: 'banner-grid' },
      h('div', {}, h('h3', { text: 'Reasons' }), h('ul', {}, d.reasons.map((r) => h('li', { text: r })))),
      h('div', {}, h('h3', { text: 'Rules' }), h('ul', {}, d.rules.map((r) => h('li', {}, h('code', { text: r }))))),
      h('div', {}, h('h3', { text: 'Waiting for' }),
        waitItems.length === 0 ? h('p', { text: 'Nothing: every enrolled participant is evaluable or has a DLT.' }) : h('ul', {}, waitItems.map((w) => h('li', { text: w }))),
        h('p', {}, h('strong', { text: 'Changes by time alone: ' }), status.nextChangeAt === null ? 'not scheduled (only a new record changes it)' : fmtTime(status.nextChangeAt)))),
    h('p', { class: 'meta' }, `As of ${fmtTime(status.asOf)} · protocol version ${status.protocolVersion} · decision `, h('code', { text: status.decisionId })))
}

export function summaryTable (summary, labelOf) {
  const grades = ['0', '1', '2', '3', '4', '5']
  return scroller('Safety summary per group', table(`Safety summary as of ${fmtTime(summary.asOf)}`,
    ['Group', 'Enrolled', 'Evaluable', 'Pending', 'DLTs', 'DLT rate', 'Exact 95% CI', 'SAEs', ...grades.map((g) => g === '0' ? 'No AE' : `Worst G${g}`)],
    summary.groups.map((g) => [labelOf(g), g.enrolled, g.evaluable, g.pending, g.dlts, fmtPct(g.dltRate), `${fmtPct(g.ci95[0])} – ${fmtPct(g.ci95[1])}`, g.saes,
      ...grades.map((k) => g.participantsByWorstGrade[k] ?? 0)])))
}

/** SOC × term × worst grade, participants counted once per term at their worst grade, per group. */
export function toxicityTable (summary, labelOf) {
  const groupKey = (r) => `${r.doseLevel}|${r.armId ?? ''}`
  const groups = summary.groups.map((g) => ({ key: groupKey(g), label: labelOf(g), n: g.enrolled }))
  const rows = new Map()
  for (const r of summary.toxicity) {
    const key = `${r.soc}\u0000${r.term}`
    const row = rows.get(key) ?? { soc: r.soc, term: r.term, cells: new Map() }
    row.cells.set(`${groupKey(r)}|${r.grade}`, r.participants)
    rows.set(key, row)
  }
  const sorted = [...rows.values()].sort((a, b) => a.soc.localeCompare(b.soc) || a.term.localeCompare(b.term))
  if (sorted.length === 0) return h('p', { text: 'No adverse events.' })
  const grades = [1, 2, 3, 4, 5]
  return scroller('Toxicity table', h('table', { class: 'tox' },
    h('caption', { text: 'Participants by worst grade per term (CTCAE v5.0)' }),
    h('thead', {},
      h('tr', {}, h('th', { scope: 'col', rowspan: 2, text: 'System organ class' }), h('th', { scope: 'col', rowspan: 2, text: 'Term' }),
        groups.map((g) => h('th', { scope: 'colgroup', colspan: grades.length, text: `${g.label} (n=${g.n})` }))),
      h('tr', {}, groups.flatMap((g) => grades.map((gr) => h('th', { scope: 'col', text: `G${gr}`, 'aria-label': `${g.label} grade ${gr}` }))))),
    h('tbody', {}, sorted.map((r) => h('tr', {},
      h('td', { class: 'soc', text: r.soc }), h('th', { scope: 'row', text: r.term }),
      groups.flatMap((g) => grades.map((gr) => {
        const n = r.cells.get(`${g.key}|${gr}`)
        return h('td', { class: n === undefined ? 'zero' : `g${gr}`, text: n ?? '' })
      })))))))
}

const triggerText = (t) => [t.type, t.entity, t.change].filter((x) => typeof x === 'string').join(' · ')

const decisionItem = (d, currentId) => h('li', { class: d.decisionId === currentId ? 'current' : null },
  h('details', {},
    h('summary', {},
      h('span', { class: `pill pill-${d.state}`, text: STATES[d.state] ?? d.state }), ' ',
      h('strong', { text: actionText(d.action) }),
      d.nextDoseLevel === null ? '' : ` (next level ${d.nextDoseLevel})`,
      ` · ${fmtTime(d.at)} · protocol v${d.protocolVersion} · ${triggerText(d.trigger)}`,
      d.decisionId === currentId ? ' · in force' : ''),
    h('p', { class: 'meta' }, 'Decision ', h('code', { text: d.decisionId }), ` · service ${d.serviceVersion}`),
    h('h4', { text: 'Trigger' }), h('pre', { tabindex: '0', text: JSON.stringify(d.trigger, null, 2) }),
    h('h4', { text: 'Snapshot' }), h('pre', { tabindex: '0', text: JSON.stringify(d.snapshot, null, 2) })))

/** Newest first, a page at a time: older(): the next page's decisions and whether more follow. */
export function decisionHistory (first, currentId, hasMore, older) {
  if (first.length === 0) return h('p', { text: 'No decisions yet.' })
  const list = h('ul', { class: 'history' }, first.map((d) => decisionItem(d, currentId)))
  const button = h('button', {
    type: 'button',
    class: 'secondary',
    hidden: !hasMore,
    text: 'Show older decisions',
    on: {
      click: async () => {
        button.disabled = true
        try {
          const page = await older()
          list.append(...page.items.map((d) => decisionItem(d, currentId)))
          button.hidden = !page.more
        } finally {
          button.disabled = false
        }
      }
    }
  })
  return h('div', {}, list, button)
}

export function decisionTableView (dt) {
  const ruleIds = [...new Set(dt.rows.flatMap((r) => (r.rules ?? []).map((x) => x.ruleId)))]
  const dash = (v) => v === null || v === undefined ? '–' : v
  return scroller('Decision table', table(`${dt.design} decision table, protocol version ${dt.protocolVersion}`,
    ['n evaluable', 'Escalate if DLTs ≤', 'De-escalate if DLTs ≥', 'Eliminate if DLTs ≥', ...ruleIds.map((id) => `${id}: acts if DLTs ≥`)],
    dt.rows.map((r) => [r.n, dash(r.escalateIfDltsAtMost), dash(r.deEscalateIfDltsAtLeast), dash(r.eliminateIfDltsAtLeast),
      ...ruleIds.map((id) => dash((r.rules ?? []).find((x) => x.ruleId === id)?.actsIfDltsAtLeast))])))
}

const value = (v) => typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)
const pairs = (obj) => h('dl', { class: 'pairs' }, Object.entries(obj).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: value(v) })]))

export function protocolView (trial, versions) {
  const p = trial.protocol
  return h('div', { class: 'protocol' },
    h('p', {}, `${trial.title} · phase ${trial.phase ?? '–'} · protocol version ${trial.protocolVersion} · sites: ${trial.sites.map((x) => `${x.name} (${x.timeZone})`).join(', ')}`),
    h('h3', { text: 'Design' }), pairs(p.design),
    h('h3', { text: 'Dose levels' }),
    table(null, ['Level', 'Label', 'Dose'], p.doseLevels.map((d) => [d.level, d.label, d.dose === undefined ? '–' : `${d.dose.value} ${d.dose.unit}`])),
    p.arms === undefined ? null : [h('h3', { text: 'Arms' }), table(null, ['Arm', 'Dose level', 'Details'], p.arms.map((a) => [a.armId, a.doseLevel, value(a)]))],
    h('h3', { text: 'DLT definition' }), pairs(p.dltDefinition),
    h('h3', { text: 'Stopping rules' }),
    (p.stoppingRules ?? []).length === 0
      ? h('p', { text: 'None.' })
      : scroller('Stopping rules', table(null, ['Rule', 'Parameters', 'Action', 'Source'], p.stoppingRules.map((r) => {
        const { type, action, source, ruleId, ...rest } = r
        return [ruleId ?? type, Object.entries(rest).map(([k, v]) => `${k}: ${value(v)}`).join('; ') || '–', action ?? '–', source ?? '–']
      }))),
    h('h3', { text: 'Assumptions (what the trial record leaves open)' }),
    (p.assumptions ?? []).length === 0
      ? h('p', { text: 'None listed.' })
      : scroller('Assumptions', table(null, ['Path', 'Statement', 'Rationale', 'Source'], p.assumptions.map((a) => [h('code', { text: a.path }), a.statement, a.rationale, a.source ?? '–']))),
    h('h3', { text: 'Protocol versions' }),
    versions === null
      ? h('p', { text: 'Not available to this token.' })
      : table(null, ['Version', 'Made', 'By', 'Reason'], versions.map((v) => [v.version, fmtTime(v.createdAt), v.createdBy, v.reason ?? 'initial version'])))
}
