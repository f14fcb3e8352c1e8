// JSON Pointers (RFC 6901): '' is the whole document, '/a/0' the first item of
// key 'a'; inside a segment '~0' stands for '~' and '~1' for '/'.

/** The pointer to a path of keys and array indexes. */
export const pointer = (path: readonly PropertyKey[]): string =>
  path.map((seg) => '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1')).join('')

/** A well-formed pointer: empty, or segments each starting with '/', '~' only as '~0' or '~1'. */
export const POINTER_PATTERN = /^(\/([^~/]|~[01])*)*$/

// RFC 6901 section 4: an array index is '0' or digits without a leading zero; '-' names no element.
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/

/**
 * The value the pointer names in the document, or `{ found: false }` when the
 * pointer is malformed or names nothing there. Own properties only, so
 * '/constructor' or '/__proto__' never resolve through the prototype.
 */
export function resolvePointer (document: unknown, ptr: string): { found: true, value: unknown } | { found: false } {
  if (!POINTER_PATTERN.test(ptr)) return { found: false }
  let value = document
  for (const raw of ptr === '' ? [] : ptr.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(value)) {
      if (!ARRAY_INDEX.test(key) || Number(key) >= value.length) return { found: false }
      value = value[Number(key)]
    } else if (value !== null && typeof value === 'object' && Object.hasOwn(value, key)) {
      value = (value as Record<string, unknown>)[key]
    } else {
      return { found: false }
    }
  }
  return { found: true, value }
}
