import { Parser } from 'saxen'

// A well-formedness check of an XML document with a SAX parser (saxen): the
// parser's errors, tags closed in the order opened, one root element and the
// XML declaration; and the elements read, for the tests to look up.

export interface XmlElement { name: string, attrs: Record<string, string>, text: string }

export function xmlElements (xml: string): { errors: string[], root: XmlElement | undefined, elements: XmlElement[] } {
  const errors: string[] = []
  const elements: XmlElement[] = []
  const open: XmlElement[] = []
  let roots = 0
  const parser = new Parser()
  parser.on('error', (error: Error) => { errors.push(error.message) })
  parser.on('openTag', (name: string, getAttrs: () => Record<string, string>) => {
    if (open.length === 0) roots++
    const element = { name, attrs: getAttrs(), text: '' }
    elements.push(element)
    open.push(element)
  })
  parser.on('closeTag', (name: string) => {
    const element = open.pop()
    if (element?.name !== name) errors.push(`</${name}> closes <${element?.name ?? ''}>`)
  })
  parser.on('text', (text: string) => { if (open.length > 0) open[open.length - 1]!.text += text })
  parser.parse(xml)
  if (open.length > 0) errors.push(`unclosed: ${open.map((e) => e.name).join(', ')}`)
  if (roots !== 1) errors.push(`${roots} root elements`)
  if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')) errors.push('no XML declaration')
  return { errors, root: elements[0], elements }
}
