// DLT rate per dose level (or arm) with its exact 95% interval, as the status
// document states them; the protocol's target and thresholds drawn across.
import { fmtPct, s, table } from './dom.js'

const W = 680
const H = 340
const M = { left: 56, right: 150, top: 20, bottom: 84 }
const INK = '#1a1a1a'
const STATE = {
  open: { colour: '#0b6e2e', text: 'open' },
  closed: { colour: '#555555', text: 'closed' },
  eliminated: { colour: '#b00020', text: 'eliminated' }
}

export const stateOf = (g) => g.eliminated ? 'eliminated' : g.open ? 'open' : 'closed'

/** The lines the protocol draws on the chart: the design's target toxicity and the rate thresholds of its stopping rules. */
export function protocolMarks (protocol) {
  const marks = []
  if (typeof protocol.design?.targetToxicity === 'number') marks.push({ value: protocol.design.targetToxicity, label: `target ${fmtPct(protocol.design.targetToxicity)}`, dash: '6 3' })
  for (const rule of protocol.stoppingRules ?? []) {
    if (typeof rule.threshold === 'number') {
      marks.push({ value: rule.threshold, label: `${rule.ruleId ?? rule.type} > ${fmtPct(rule.threshold)}`, dash: '2 3' })
    }
  }
  return marks
}

export function dltChart (groups, labelOf, marks, title) {
  const plotW = W - M.left - M.right
  const plotH = H - M.top - M.bottom
  const y = (v) => M.top + plotH * (1 - v)
  const band = plotW / Math.max(groups.length, 1)
  const desc = groups.map((g) => `${labelOf(g)}: ${g.dlts} DLTs in ${g.evaluable} evaluable (${fmtPct(g.dltRate)}, 95% CI ${fmtPct(g.ci95[0])} to ${fmtPct(g.ci95[1])}), ${g.pending} pending, ${stateOf(g)}`).join('; ')
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1]
  return s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'dlt-title dlt-desc', class: 'svg svg-narrow', 'font-family': 'system-ui, sans-serif', 'font-size': '12' },
    s('title', { id: 'dlt-title', text: title }),
    s('desc', { id: 'dlt-desc', text: desc }),
    s('rect', { x: 0, y: 0, width: W, height: H, fill: '#ffffff' }),
    ticks.map((t) => s('g', {},
      s('line', { x1: M.left, x2: M.left + plotW, y1: y(t), y2: y(t), stroke: '#dddddd' }),
      s('text', { x: M.left - 8, y: y(t) + 4, 'text-anchor': 'end', fill: INK, text: `${t * 100}%` }))),
    s('text', { x: 14, y: M.top + plotH / 2, transform: `rotate(-90 14 ${M.top + plotH / 2})`, 'text-anchor': 'middle', fill: INK, text: 'DLT rate (exact 95% CI)' }),
    marks.map((m) => s('g', { class: 'mark' },
      s('line', { x1: M.left, x2: M.left + plotW, y1: y(m.value), y2: y(m.value), stroke: '#7a4100', 'stroke-width': 1.5, 'stroke-dasharray': m.dash }),
      s('text', { x: M.left + plotW + 6, y: y(m.value) + 4, fill: '#7a4100', text: m.label }))),
    groups.map((g, i) => {
      const cx = M.left + band * (i + 0.5)
      const st = STATE[stateOf(g)]
      const [lo, hi] = g.ci95
      return s('g', { class: 'group', dataset: { group: labelOf(g), dlts: g.dlts, evaluable: g.evaluable, state: stateOf(g) } },
        s('line', { x1: cx, x2: cx, y1: y(lo), y2: y(hi), stroke: st.colour, 'stroke-width': 2 }),
        s('line', { x1: cx - 8, x2: cx + 8, y1: y(lo), y2: y(lo), stroke: st.colour, 'stroke-width': 2 }),
        s('line', { x1: cx - 8, x2: cx + 8, y1: y(hi), y2: y(hi), stroke: st.colour, 'stroke-width': 2 }),
        g.dltRate === null
          ? s('text', { x: cx, y: y(0.5), 'text-anchor': 'middle', fill: '#555555', text: 'none evaluable' })
          : g.eliminated
            ? s('path', { d: `M${cx - 6} ${y(g.dltRate) - 6}l12 12m0 -12l-12 12`, stroke: st.colour, 'stroke-width': 3 })
            : s('circle', { cx, cy: y(g.dltRate), r: 6, fill: g.open ? st.colour : '#ffffff', stroke: st.colour, 'stroke-width': 2 }),
        s('text', { x: cx, y: H - M.bottom + 18, 'text-anchor': 'middle', fill: INK, 'font-weight': 'bold', text: labelOf(g) }),
        s('text', { x: cx, y: H - M.bottom + 34, 'text-anchor': 'middle', fill: INK, class: 'counts', text: `${g.dlts}/${g.evaluable} DLT` }),
        s('text', { x: cx, y: H - M.bottom + 50, 'text-anchor': 'middle', fill: INK, text: `${g.enrolled} enrolled, ${g.pending} pending` }),
        s('text', { x: cx, y: H - M.bottom + 66, 'text-anchor': 'middle', fill: st.colour, 'font-weight': 'bold', text: st.text }))
    }),
    s('line', { x1: M.left, x2: M.left + plotW, y1: y(0), y2: y(0), stroke: INK }))
}

export function dltTable (groups, labelOf) {
  return table('DLT rate per group (from the status document)',
    ['Group', 'Enrolled', 'Evaluable', 'Pending', 'DLTs', 'DLT rate', 'Exact 95% CI', 'State', 'Capacity'],
    groups.map((g) => [labelOf(g), g.enrolled, g.evaluable, g.pending, g.dlts, fmtPct(g.dltRate),
      `${fmtPct(g.ci95[0])} – ${fmtPct(g.ci95[1])}`, stateOf(g), g.capacity === null ? 'no limit' : g.capacity]))
}
