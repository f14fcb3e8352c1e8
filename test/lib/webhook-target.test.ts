import t from 'tap'
import { isPublicAddress, targetRefusal } from '../../src/lib/webhook-target.js'

t.test('only public addresses are public', async (t) => {
  const table: Array<[string, boolean]> = [
    ['8.8.8.8', true], ['1.1.1.1', true], ['2606:4700:4700::1111', true], ['[2606:4700:4700::1111]', true],
    ['127.0.0.1', false], ['127.255.255.254', false], ['0.0.0.0', false], ['10.0.0.1', false], ['172.16.0.1', false], ['172.31.255.255', false],
    ['172.32.0.1', true], ['192.168.1.1', false], ['169.254.169.254', false], ['100.64.0.1', false], ['198.18.0.1', false], ['224.0.0.1', false],
    ['255.255.255.255', false], ['::1', false], ['::', false], ['fe80::1', false], ['fd12:3456::1', false], ['ff02::1', false],
    ['::ffff:127.0.0.1', false], ['::ffff:7f00:1', false], ['::ffff:8.8.8.8', true], ['64:ff9b::7f00:1', false], ['not-an-ip', false]
  ]
  for (const [address, expected] of table) t.equal(isPublicAddress(address), expected, address)
})

t.test('targets: https to a public host unless the operator allows private targets', async (t) => {
  const table: Array<[string, string | null, string | null]> = [
    // url, refusal by default, refusal with WEBHOOK_ALLOW_PRIVATE_TARGETS
    ['https://hooks.example.org/dlt', null, null],
    ['https://8.8.8.8/dlt', null, null],
    ['http://hooks.example.org/dlt', 'the target must be an https URL', null],
    ['https://127.0.0.1/dlt', 'the target may not be a loopback, private, link-local or reserved address', null],
    ['https://2130706433/dlt', 'the target may not be a loopback, private, link-local or reserved address', null],
    ['https://[::1]:8443/dlt', 'the target may not be a loopback, private, link-local or reserved address', null],
    ['https://[::ffff:127.0.0.1]/dlt', 'the target may not be a loopback, private, link-local or reserved address', null],
    ['https://169.254.169.254/latest/meta-data', 'the target may not be a loopback, private, link-local or reserved address', null],
    ['https://10.1.2.3/dlt', 'the target may not be a loopback, private, link-local or reserved address', null],
    ['https://localhost/dlt', 'the target may not be this machine', null],
    ['https://api.localhost./dlt', 'the target may not be this machine', null],
    ['https://user:pw@hooks.example.org/dlt', 'the target may not carry credentials', 'the target may not carry credentials'],
    ['ftp://hooks.example.org/dlt', 'the target must be an https URL', 'the target must be an http or https URL'],
    ['not a url', 'not a URL', 'not a URL']
  ]
  for (const [url, refused, allowed] of table) {
    t.equal(targetRefusal(url, false), refused, url)
    t.equal(targetRefusal(url, true), allowed, `${url} (private targets allowed)`)
  }
})
