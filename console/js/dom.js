// Element builders. Attributes only (never a style attribute: the console's
// CSP allows no inline style); `text` sets the text content, `on` the listeners.

const SVG_NS = 'http://www.w3.org/2000/svg'

function apply (el, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'text') el.textContent = String(value)
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn)
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof window.Node ? child : document.createTextNode(String(child)))
  }
  return el
}

/** an HTML element */
export const h = (tag, attrs = {}, ...children) => apply(document.createElement(tag), attrs, children)

/** an SVG element */
export const s = (tag, attrs = {}, ...children) => apply(document.createElementNS(SVG_NS, tag), attrs, children)

/** a table from a header row and body rows (each cell text or a node) */
export function table (caption, headers, rows, attrs = {}) {
  return h('table', attrs,
    caption === null ? null : h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, headers.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))
}

/** a wide table in a region a keyboard can scroll */
export const scroller = (label, child) => h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': label }, child)

export const fmtPct = (x) => x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`
export const fmtTime = (iso) => iso === null || iso === undefined ? '–' : new Date(iso).toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC')
