import { createRequire } from 'node:module';
import type { IPv4, IPv6 } from 'ipaddr.js';
import { InvalidParameterError } from '../errors.js';

// ipaddr.js is CommonJS behind an ambient `export =` typing: an ESM default import works in Node but
// does not type-check (no allowSyntheticDefaultImports), and a namespace import is empty at run time.
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof import('ipaddr.js');

/*
 * Which addresses an outbound request made on a user's behalf (a webhook delivery) may reach.
 * Deny by default: only public unicast addresses pass, unless the operator's allow list names the
 * host or a range holding the address. ipaddr.js keeps IANA's special-purpose ranges; we take
 * "not plain unicast" as "internal" rather than listing ranges ourselves, so a range added to that
 * table later (another NAT64 prefix, say) is refused without a change here.
 */

type Ip = IPv4 | IPv6;

/** What a refused range is, in words an operator reads in a 400 or a delivery error. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private-network address',
  linkLocal: 'a link-local address (cloud metadata services such as 169.254.169.254 live there)',
  uniqueLocal: 'a unique-local IPv6 address',
  unspecified: 'the unspecified address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};

/** Only 2000::/3 is assigned as global unicast; the rest of IPv6 (e.g. IPv4-compatible ::7f00:1) is not a public host. */
const GLOBAL_UNICAST_V6: [IPv6, number] = [ipaddr.IPv6.parse('2000::'), 3];

/** Parses an address the way the connection will use it: an IPv4-mapped IPv6 address is its IPv4 address. */
function parseAddress(address: string): Ip {
  const ip = ipaddr.parse(stripBrackets(address));
  return ip.kind() === 'ipv6' && (ip as IPv6).isIPv4MappedAddress() ? (ip as IPv6).toIPv4Address() : ip;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function isIpAddress(host: string): boolean {
  return ipaddr.isValid(stripBrackets(host));
}

/**
 * Undefined when `address` is a public unicast address; otherwise why it is internal, e.g.
 * 'a loopback address'. Unparseable input counts as internal: it cannot be checked.
 */
export function internalAddressKind(address: string): string | undefined {
  let ip: Ip;
  try {
    ip = parseAddress(address);
  } catch {
    return 'not an IP address';
  }
  const range = ip.range();
  if (range === 'unicast' && (ip.kind() === 'ipv4' || (ip as IPv6).match(GLOBAL_UNICAST_V6))) return undefined;
  return RANGE_WORDS[range] ?? `a special-purpose address (${range === 'unicast' ? 'outside 2000::/3' : range})`;
}

/** The operator's exceptions: host names matched exactly, and IP ranges. */
export interface HostAllowList {
  readonly names: ReadonlySet<string>;
  readonly ranges: ReadonlyArray<[Ip, number]>;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Lower case, no trailing dot, no IPv6 brackets: how a URL's host is compared with allow-list names. */
export function normalizeHost(host: string): string {
  return stripBrackets(host.toLowerCase()).replace(/\.$/, '');
}

/**
 * Reads the `webhookAllowHosts` setting: a comma-separated string (flag, environment) or a YAML
 * list, of host names, IP addresses and CIDR ranges. Returns the entries, normalized.
 */
export function parseHostAllowListSetting(value: unknown, setting: string): string[] {
  const items = Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : String(value).split(',');
  const out: string[] = [];
  for (const raw of items) {
    const entry = normalizeHost(raw.trim());
    if (entry === '') continue;
    if (/^[\da-f:.]+\/\d+$/.test(entry)) {
      if (!ipaddr.isValidCIDR(entry)) throw new InvalidParameterError(`${setting}: '${raw.trim()}' is not a valid CIDR range (e.g. 10.0.0.0/8 or fd00::/8)`);
      const [ip, bits] = ipaddr.parseCIDR(entry);
      out.push(`${ip.toString()}/${bits}`);
    } else if (ipaddr.isValid(entry)) {
      out.push(parseAddress(entry).toString());
    } else if (HOST_NAME.test(entry)) {
      out.push(entry);
    } else {
      throw new InvalidParameterError(`${setting}: '${raw.trim()}' is not a host name, IP address or CIDR range (e.g. hooks.internal, 10.1.2.3 or 10.0.0.0/8)`);
    }
  }
  return out;
}

/** Builds the matcher from entries `parseHostAllowListSetting` accepted. */
export function compileHostAllowList(entries: readonly string[]): HostAllowList {
  const names = new Set<string>();
  const ranges: Array<[Ip, number]> = [];
  for (const entry of entries) {
    if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) {
      const ip = parseAddress(entry);
      ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else names.add(normalizeHost(entry));
  }
  return { names, ranges };
}

export function allowListNamesHost(list: HostAllowList, host: string): boolean {
  return list.names.has(normalizeHost(host));
}

export function allowListHoldsAddress(list: HostAllowList, address: string): boolean {
  let ip: Ip;
  try {
    ip = parseAddress(address);
  } catch {
    return false;
  }
  return list.ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
}
