import { BlockList, isIP } from 'node:net'

// Where a webhook may be sent. A receiver is a hospital's public endpoint:
// by default the service never POSTs to itself, its network or its cloud's
// metadata service (SSRF), whatever name the URL uses.

const nonPublic = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4]
] as const) nonPublic.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]
] as const) nonPublic.addSubnet(network, prefix, 'ipv6')

// ::ffff:a.b.c.d reaches the IPv4 address it embeds (URL parsing writes it as ::ffff:xxxx:xxxx).
const MAPPED_DOTTED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i

/** A literal address is public: not loopback, private, link-local, shared, reserved, documentation, NAT64 or multicast. */
export function isPublicAddress (address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '')
  const dotted = MAPPED_DOTTED.exec(bare)
  if (dotted !== null) return isPublicAddress(dotted[1]!)
  const hex = MAPPED_HEX.exec(bare)
  if (hex !== null) {
    const [hi, lo] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)]
    return isPublicAddress([hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'))
  }
  const family = isIP(bare)
  if (family === 0) return false
  return !nonPublic.check(bare, family === 4 ? 'ipv4' : 'ipv6')
}

/**
 * Why a URL may not be a webhook target, or null when it may. Unless
 * `allowPrivate` (the operator's WEBHOOK_ALLOW_PRIVATE_TARGETS): https only,
 * and a literal address or a localhost name must be public. Names are
 * checked again when they are resolved, at every delivery.
 */
export function targetRefusal (url: string, allowPrivate: boolean): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not a URL'
  }
  if (parsed.protocol !== 'https:' && !(allowPrivate && parsed.protocol === 'http:')) {
    return allowPrivate ? 'the target must be an http or https URL' : 'the target must be an https URL'
  }
  if (parsed.username !== '' || parsed.password !== '') return 'the target may not carry credentials'
  if (allowPrivate) return null
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return 'the target may not be this machine'
  if (isIP(host) !== 0 && !isPublicAddress(host)) return 'the target may not be a loopback, private, link-local or reserved address'
  return null
}
