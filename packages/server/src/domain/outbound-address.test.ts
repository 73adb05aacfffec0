import { describe, expect, it } from 'vitest';
import { allowListHoldsAddress, allowListNamesHost, compileHostAllowList, internalAddressKind, parseHostAllowListSetting } from './outbound-address.js';

describe('internalAddressKind', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.9.9.9', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['[::ffff:7f00:1]', 'a loopback address'],
    ['10.1.2.3', 'a private-network address'],
    ['172.16.0.1', 'a private-network address'],
    ['192.168.0.1', 'a private-network address'],
    ['169.254.169.254', expect.stringContaining('a link-local address')],
    ['fe80::1', expect.stringContaining('a link-local address')],
    ['fd00::1', 'a unique-local IPv6 address'],
    ['0.0.0.0', 'the unspecified address'],
    ['::', 'the unspecified address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['239.1.1.1', 'a multicast address'],
    ['255.255.255.255', 'the broadcast address'],
    ['192.0.2.1', 'a reserved address'],
    ['64:ff9b::a00:1', 'a special-purpose address (rfc6052)'],
    ['2002:7f00:1::', 'a special-purpose address (6to4)'],
    ['::7f00:1', 'a special-purpose address (outside 2000::/3)'],
    ['not-an-ip', 'not an IP address'],
  ])('%s is internal: %s', (address, kind) => {
    expect(internalAddressKind(address)).toEqual(kind);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(internalAddressKind(address)).toBeUndefined();
  });
});

describe('webhook allow list', () => {
  it('reads comma-separated strings and YAML lists of names, addresses and ranges, normalized', () => {
    expect(parseHostAllowListSetting(' Hooks.Internal. , 127.0.0.1,10.0.0.0/8,,[::1], fd00::/8', 's')).toEqual(['hooks.internal', '127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    expect(parseHostAllowListSetting(['localhost', '::ffff:10.0.0.1'], 's')).toEqual(['localhost', '10.0.0.1']);
    expect(parseHostAllowListSetting(undefined, 's')).toEqual([]);
  });

  it('refuses what is not a host name, address or range, naming the setting and the entry', () => {
    expect(() => parseHostAllowListSetting('10.0.0.0/40', 'webhookAllowHosts')).toThrow("webhookAllowHosts: '10.0.0.0/40' is not a valid CIDR range");
    expect(() => parseHostAllowListSetting('http://x', 'webhookAllowHosts')).toThrow("webhookAllowHosts: 'http://x' is not a host name, IP address or CIDR range");
    expect(() => parseHostAllowListSetting('a b', 'webhookAllowHosts')).toThrow('is not a host name');
  });

  it('matches names exactly and addresses by range, IPv4-mapped IPv6 as IPv4', () => {
    const list = compileHostAllowList(parseHostAllowListSetting('hooks.internal,127.0.0.1,10.0.0.0/8,fd00::/8', 's'));
    expect(allowListNamesHost(list, 'HOOKS.internal.')).toBe(true);
    expect(allowListNamesHost(list, 'evil.hooks.internal')).toBe(false);
    expect(allowListHoldsAddress(list, '127.0.0.1')).toBe(true);
    expect(allowListHoldsAddress(list, '::ffff:127.0.0.1')).toBe(true);
    expect(allowListHoldsAddress(list, '127.0.0.2')).toBe(false);
    expect(allowListHoldsAddress(list, '10.200.1.1')).toBe(true);
    expect(allowListHoldsAddress(list, 'fd00::5')).toBe(true);
    expect(allowListHoldsAddress(list, '::1')).toBe(false);
  });
});
