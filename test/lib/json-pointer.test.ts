import t from 'tap'
import { pointer, resolvePointer } from '../../src/lib/json-pointer.js'

// RFC 6901 section 5: the example document and every pointer it lists.
const rfc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 }

t.test('RFC 6901 section 5 examples', async (t) => {
  const cases: [string, unknown][] = [
    ['', rfc], ['/foo', ['bar', 'baz']], ['/foo/0', 'bar'], ['/', 0], ['/a~1b', 1], ['/c%d', 2], ['/e^f', 3],
    ['/g|h', 4], ['/i\\j', 5], ['/k"l', 6], ['/ ', 7], ['/m~0n', 8]
  ]
  for (const [ptr, value] of cases) t.same(resolvePointer(rfc, ptr), { found: true, value }, JSON.stringify(ptr))
})

t.test('~01 decodes to ~1, not to /: ~1 is replaced before ~0', async (t) => {
  t.same(resolvePointer({ '~1': 'tilde-one', '/': 'slash' }, '/~01'), { found: true, value: 'tilde-one' })
})

t.test('names nothing: missing keys, array bounds, non-index segments, prototype keys', async (t) => {
  const doc = { a: [10, 20], b: { c: null }, n: 0 }
  for (const ptr of ['/x', '/a/2', '/a/-', '/a/01', '/a/1.0', '/a/-1', '/a/x', '/b/c/d', '/n/0', '/constructor', '/__proto__', '/a/length']) {
    t.same(resolvePointer(doc, ptr), { found: false }, ptr)
  }
  t.same(resolvePointer(doc, '/a/1'), { found: true, value: 20 }, 'last index')
  t.same(resolvePointer(doc, '/b/c'), { found: true, value: null }, 'a null value is found')
})

t.test('malformed pointers never resolve', async (t) => {
  for (const ptr of ['a', 'a/b', '/~', '/~2', '/a~', '#/a']) t.same(resolvePointer({ a: 1 }, ptr), { found: false }, ptr)
})

t.test('pointer escapes and round-trips through resolvePointer', async (t) => {
  t.equal(pointer([]), '')
  t.equal(pointer(['design', 'targetToxicity']), '/design/targetToxicity')
  t.equal(pointer(['a/b~c', 0]), '/a~1b~0c/0')
  const doc = { 'a/b~c': [{ '~/': true }] }
  t.same(resolvePointer(doc, pointer(['a/b~c', 0, '~/'])), { found: true, value: true })
})
