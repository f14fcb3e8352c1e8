// A chart with its numbers one click away (a table view) and SVG/PNG export.
// Charts carry their colours and fonts as SVG attributes, so an exported file
// looks as it does on the page without the stylesheet.
import { h } from './dom.js'

let figures = 0

function download (blob, name) {
  const url = URL.createObjectURL(blob)
  const a = h('a', { href: url, download: name, hidden: true })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

function svgBlob (svg) {
  const copy = svg.cloneNode(true)
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg')
  return new Blob(['<?xml version="1.0" encoding="UTF-8"?>\n', new window.XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' })
}

async function pngBlob (svg) {
  const [, , width, height] = svg.getAttribute('viewBox').split(/\s+/).map(Number)
  const scale = 2
  const url = URL.createObjectURL(svgBlob(svg))
  try {
    const img = new window.Image()
    img.src = url
    await img.decode()
    const canvas = h('canvas', { width: width * scale, height: height * scale })
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height)
    return await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'))
  } finally {
    URL.revokeObjectURL(url)
  }
}

/**
 * <figure> holding the chart (an <svg>) and its table; `name` is the export file's base name.
 * Returns { element, update(svg, table) } so live data can replace both in place.
 */
export function figure ({ title, name, note }) {
  const id = `fig-${++figures}`
  const chartBox = h('div', { class: 'chart', id: `${id}-chart` })
  const tableBox = h('div', { class: 'figure-table', id: `${id}-table`, hidden: true })
  let showingTable = false
  const toggle = h('button', {
    type: 'button',
    class: 'secondary',
    'aria-controls': `${id}-chart ${id}-table`,
    'aria-pressed': 'false',
    text: 'Show table',
    on: {
      click: () => {
        showingTable = !showingTable
        tableBox.hidden = !showingTable
        chartBox.hidden = showingTable
        toggle.textContent = showingTable ? 'Show chart' : 'Show table'
        toggle.setAttribute('aria-pressed', String(showingTable))
      }
    }
  })
  const svgOf = () => chartBox.querySelector('svg')
  const exportSvg = h('button', { type: 'button', class: 'secondary', text: 'Download SVG', on: { click: () => download(svgBlob(svgOf()), `${name}.svg`) } })
  const exportPng = h('button', { type: 'button', class: 'secondary', text: 'Download PNG', on: { click: async () => download(await pngBlob(svgOf()), `${name}.png`) } })
  const element = h('figure', { class: 'figure', 'aria-labelledby': `${id}-title` },
    h('figcaption', {}, h('h3', { id: `${id}-title`, text: title }), note === undefined ? null : h('p', { class: 'hint', text: note })),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': `${title}: views and downloads` }, toggle, exportSvg, exportPng),
    chartBox, tableBox)
  return {
    element,
    update (svg, tableEl) {
      chartBox.replaceChildren(svg)
      tableBox.replaceChildren(tableEl)
    }
  }
}
