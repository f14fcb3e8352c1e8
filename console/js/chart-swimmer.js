// Swimmer plot: one lane per participant, in days from their first
// administration (UTC calendar days), with the administrations, the DLT windows
// the protocol opens after them, and the AEs by grade (DLTs marked as such).
import { s, table } from './dom.js'

const DAY = 86_400_000
export const GRADE_COLOURS = { 1: '#2c7fb8', 2: '#7a5195', 3: '#e07b00', 4: '#c0392b', 5: '#1a1a1a' }
const INK = '#1a1a1a'
const LANE = 20
const LEFT = 190
const RIGHT = 20
const TOP = 34
const W = 900

const dayNumber = (isoDate) => Math.floor(Date.parse(isoDate.slice(0, 10) + 'T00:00:00Z') / DAY)

/** Days per mark: a day, or a week when the lanes span long enough that days would overlap anyway. */
const binOf = (span) => span > 120 ? 7 : 1

/**
 * lanes: each participant with its days (relative to day 0, the first administration or else
 * enrolment), and one mark per day (or week) holding the worst grade of its AEs and whether one was a DLT.
 */
export function lanes (participants, administrationsOf, aesOf, now) {
  const today = dayNumber(now)
  const earliest = Math.min(today, ...participants.map((p) => dayNumber(p.enrolledOn)))
  const bin = binOf(today - earliest)
  return participants.map((p) => {
    const doses = administrationsOf.get(p.participantId) ?? []
    const zero = dayNumber(doses[0]?.administeredAt ?? p.enrolledOn)
    const end = dayNumber(p.withdrawnAt ?? new Date(now).toISOString())
    const aes = aesOf.get(p.participantId) ?? []
    const marks = new Map()
    for (const ae of aes) {
      const day = dayNumber(ae.onsetDate) - zero
      const key = Math.floor(day / bin)
      const m = marks.get(key) ?? { day: key * bin, grade: 0, dlt: false, count: 0, terms: new Set() }
      m.grade = Math.max(m.grade, ae.grade)
      m.dlt ||= ae.dlt.isDlt
      m.count++
      if (m.terms.size < 5) m.terms.add(ae.term)
      marks.set(key, m)
    }
    return {
      participant: p,
      enrolled: dayNumber(p.enrolledOn) - zero,
      end: Math.min(end, today) - zero,
      treatmentEnd: p.treatmentEndedAt === null ? null : dayNumber(p.treatmentEndedAt) - zero,
      doses: doses.map((d) => ({ day: dayNumber(d.administeredAt) - zero, modified: d.doseModification, level: d.doseLevel })),
      marks: [...marks.values()],
      bin,
      aes
    }
  })
}

/** the DLT windows the protocol's definition opens after a lane's administrations */
function windows (lane, definition) {
  const days = definition.windowDays
  if (typeof days !== 'number' || lane.doses.length === 0) return []
  const starts = definition.windowStart === 'each_administration' ? lane.doses.map((d) => d.day) : [lane.doses[0].day]
  return starts.map((start) => [start, start + days])
}

export function swimmerChart (rows, protocol, labelOf, title) {
  const definition = protocol.dltDefinition ?? {}
  const minDay = Math.min(0, ...rows.map((r) => r.enrolled))
  const maxDay = Math.max(28, ...rows.map((r) => r.end), ...rows.flatMap((r) => r.marks.map((m) => m.day)))
  const H = TOP + rows.length * LANE + 40
  const x = (d) => LEFT + (W - LEFT - RIGHT) * (d - minDay) / Math.max(maxDay - minDay, 1)
  const step = maxDay - minDay > 200 ? 56 : maxDay - minDay > 60 ? 14 : 7
  const ticks = []
  for (let d = Math.ceil(minDay / step) * step; d <= maxDay; d += step) ticks.push(d)
  const aeCount = rows.reduce((n, r) => n + r.aes.length, 0)
  const titled = rows.reduce((n, r) => n + r.marks.length, 0) <= 5000
  const per = rows[0]?.bin === 7 ? 'week' : 'day'
  return s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'swim-title swim-desc', class: 'svg', 'font-family': 'system-ui, sans-serif', 'font-size': '11' },
    s('title', { id: 'swim-title', text: title }),
    s('desc', { id: 'swim-desc', text: `${rows.length} participants and ${aeCount} adverse events, in days from each participant's first administration; each mark is the worst grade of a participant's AEs in one ${per}. The table view lists the same data.` }),
    s('rect', { x: 0, y: 0, width: W, height: H, fill: '#ffffff' }),
    legend(),
    ticks.map((d) => s('g', {},
      s('line', { x1: x(d), x2: x(d), y1: TOP - 4, y2: H - 36, stroke: '#e3e3e3' }),
      s('text', { x: x(d), y: H - 22, 'text-anchor': 'middle', fill: INK, text: String(d) }))),
    s('text', { x: (LEFT + W) / 2, y: H - 6, 'text-anchor': 'middle', fill: INK, text: 'days from first administration' }),
    rows.map((r, i) => {
      const cy = TOP + i * LANE + LANE / 2
      const p = r.participant
      return s('g', { class: 'lane', dataset: { participant: p.participantId, site: p.siteId } },
        s('text', { x: 6, y: cy + 4, fill: INK, text: `${p.participantId} · ${labelOf(p)} · ${p.siteId}` }),
        windows(r, definition).map(([a, b]) => s('rect', { x: x(a), y: cy - 7, width: Math.max(x(b) - x(a), 1), height: 14, fill: '#fde9c8' })),
        s('line', { x1: x(r.enrolled), x2: x(r.treatmentEnd ?? r.end), y1: cy, y2: cy, stroke: '#4d4d4d', 'stroke-width': 4 }),
        r.treatmentEnd === null ? null : s('line', { x1: x(r.treatmentEnd), x2: x(r.end), y1: cy, y2: cy, stroke: '#9a9a9a', 'stroke-width': 2, 'stroke-dasharray': '3 2' }),
        r.doses.map((d) => s('path', { d: `M${x(d.day)} ${cy - 8}l-4 -6h8z`, fill: d.modified ? '#b00020' : '#0b6e2e' })),
        r.marks.map((m) => {
          // Tooltips for plots a browser draws quickly; the table view has the numbers of every plot.
          const tip = titled ? s('title', { text: `${m.dlt ? 'DLT, ' : ''}worst grade ${m.grade}, ${r.bin === 1 ? `day ${m.day}` : `days ${m.day} to ${m.day + r.bin - 1}`}: ${m.count} AE${m.count === 1 ? '' : 's'} (${[...m.terms].join(', ')})` }) : null
          return m.dlt
            ? s('path', { d: `M${x(m.day)} ${cy - 7}l7 7l-7 7l-7 -7z`, fill: GRADE_COLOURS[m.grade], stroke: INK, 'stroke-width': 1.5 }, tip)
            : s('circle', { cx: x(m.day), cy, r: 4.5, fill: GRADE_COLOURS[m.grade] }, tip)
        }))
    }))
}

function legend () {
  const items = [1, 2, 3, 4, 5].map((g, i) => s('g', {},
    s('circle', { cx: LEFT + i * 70 + 5, cy: 12, r: 4.5, fill: GRADE_COLOURS[g] }),
    s('text', { x: LEFT + i * 70 + 14, y: 16, fill: INK, text: `grade ${g}` })))
  const at = LEFT + 5 * 70
  return s('g', { class: 'legend' }, items,
    s('path', { d: `M${at + 5} 5l7 7l-7 7l-7 -7z`, fill: '#ffffff', stroke: INK, 'stroke-width': 1.5 }),
    s('text', { x: at + 16, y: 16, fill: INK, text: 'DLT' }),
    s('path', { d: `M${at + 60} 18l-4 -6h8z`, fill: '#0b6e2e' }),
    s('text', { x: at + 68, y: 16, fill: INK, text: 'dose' }),
    s('rect', { x: at + 110, y: 6, width: 16, height: 12, fill: '#fde9c8' }),
    s('text', { x: at + 130, y: 16, fill: INK, text: 'DLT window' }))
}

export function swimmerTable (rows, labelOf) {
  return table('Participants: dosing and adverse events',
    ['Participant', 'Site', 'Group', 'Phase', 'Enrolled', 'Administrations', 'AEs', 'Worst grade', 'DLTs'],
    rows.map((r) => {
      const p = r.participant
      const worst = r.aes.reduce((w, ae) => Math.max(w, ae.grade), 0)
      return [p.participantId, p.siteId, labelOf(p), p.phase.replace('_', ' '), p.enrolledOn, r.doses.length, r.aes.length, worst === 0 ? '–' : worst, p.dltCount]
    }), { class: 'swimmer-table' })
}
