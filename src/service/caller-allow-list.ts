import { BlockList, isIPv4 } from 'node:net';

/**
 * An address allow-list from `NTU_ALLOWED_IPS` entries (addresses or CIDRs, already validated at start).
 * Undefined entries = everyone allowed. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are checked as IPv4.
 */
export function createCallerAllowList(entries: readonly string[] | undefined): ((address: string | undefined) => boolean) | undefined {
  if (!entries || entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    if (!address) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const plain = mapped ? mapped[1]! : address;
    return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
  };
}
