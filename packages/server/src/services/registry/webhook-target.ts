import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { allowListHoldsAddress, allowListNamesHost, compileHostAllowList, internalAddressKind, normalizeHost } from '../../domain/outbound-address.js';
import type { HostAllowList } from '../../domain/outbound-address.js';

/** Every address a host name resolves to (the system resolver, as a connection would use it). */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

export type TargetCheck =
  | { ok: true; hostname: string; addresses: LookupAddress[] }
  /** `final`: the address is not allowed (retrying cannot help), as opposed to a failed DNS lookup. */
  | { ok: false; reason: string; final: boolean };

/** What a refusal tells the operator to do. */
export const ALLOW_HOSTS_HINT =
  'webhooks may only call public addresses unless the server setting --webhook-allow-hosts (MODELYARD_WEBHOOK_ALLOW_HOSTS) names the host, address or range';

/**
 * Decides whether a webhook URL may be called and returns the addresses to connect to. The sender
 * connects to exactly these (a pinned `lookup`), so a DNS answer that changes between the check
 * and the connection (rebinding) cannot move the request to an internal address.
 */
export class WebhookTargetPolicy {
  private readonly allow: HostAllowList;

  constructor(allowHosts: readonly string[], private readonly resolve: HostResolver = systemResolver) {
    this.allow = compileHostAllowList(allowHosts);
  }

  async check(url: URL): Promise<TargetCheck> {
    const host = normalizeHost(url.hostname);
    const literal = isIP(host) !== 0;
    let addresses: LookupAddress[];
    if (literal) {
      addresses = [{ address: host, family: isIP(host) }];
    } else {
      try {
        addresses = await this.resolve(host);
      } catch (e) {
        const code = (e as { code?: string }).code;
        return { ok: false, final: false, reason: `host '${host}' cannot be resolved${code ? ` (${code})` : ''}` };
      }
      if (addresses.length === 0) return { ok: false, final: false, reason: `host '${host}' resolves to no address` };
    }
    // A name the operator listed is trusted whatever it resolves to; it is still pinned below.
    if (literal || !allowListNamesHost(this.allow, host)) {
      // Every address, not just the first: the connection may fall back to any of them.
      for (const { address } of addresses) {
        const kind = internalAddressKind(address);
        if (kind === undefined || allowListHoldsAddress(this.allow, address)) continue;
        const what = literal ? `${address} is ${kind}` : `host '${host}' resolves to ${address}, ${kind}`;
        return { ok: false, final: true, reason: what };
      }
    }
    return { ok: true, hostname: host, addresses };
  }
}
