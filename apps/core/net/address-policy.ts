import { BlockList, isIP } from 'node:net';

// Addresses an outbound request must never reach unless ALLOW_PRIVATE_TARGETS: loopback,
// RFC 1918 private, carrier-grade NAT (also Alibaba's metadata 100.100.100.200), link-local
// (cloud metadata 169.254.169.254), "this network", benchmarking, multicast and reserved, and
// their IPv6 counterparts (unique-local covers AWS's fd00:ec2::254).
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['100::', 64],
  // RFC 8215: the local-use NAT64 prefix maps into a network's own addresses, however it embeds them.
  ['64:ff9b:1::', 48],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True when the IP address is loopback, private, link-local, metadata or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const bytes = parseIPv6(address);
    if (!bytes) return true;
    const embedded = embeddedIPv4(bytes);
    if (embedded) return blocked.check(embedded, 'ipv4');
    return blocked.check(formatIPv6(bytes), 'ipv6');
  }
  return true; // not an IP address at all: refuse rather than guess
}

/**
 * The IPv4 address an IPv6 address stands for, where the IPv6 form is only a wrapper for it, so the
 * IPv4 rules judge it (`[64:ff9b::7f00:1]` is 127.0.0.1 to a NAT64 gateway):
 * - `::ffff:0:0/96` IPv4-mapped (RFC 4291 §2.5.5.2), what a dual-stack socket connects to as IPv4;
 * - `::ffff:0:0:0/96` IPv4-translated (RFC 2765 §2.1, SIIT);
 * - `64:ff9b::/96` the well-known NAT64 prefix (RFC 6052 §2.1);
 * - `::/96` IPv4-compatible (RFC 4291 §2.5.5.1, deprecated; `::` and `::1` land in 0.0.0.0/8);
 * - `2002::/16` 6to4, the IPv4 address in bits 16–48 (RFC 3056 §2).
 */
export function embeddedIPv4(bytes: Uint8Array): string | null {
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  const dotted = (at: number) => Array.from(bytes.subarray(at, at + 4)).join('.');
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return dotted(12);
  if (zeros(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(10, 12)) return dotted(12);
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) {
    return dotted(12);
  }
  if (zeros(0, 12)) return dotted(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return dotted(2);
  return null;
}

/**
 * The 16 bytes of an IPv6 address in any of its text forms (RFC 4291 §2.2): `::` compression,
 * a dotted IPv4 tail, a zone (`%eth0`, dropped), brackets. Null when it is not one.
 */
export function parseIPv6(text: string): Uint8Array | null {
  let address = text.replace(/^\[(.*)\]$/, '$1');
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  const groups: number[] = [];
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const parsed = halves.map((half) => parseGroups(half));
  if (parsed.some((g) => g === null)) return null;
  const [head, tail = []] = parsed as number[][];
  if (halves.length === 1) {
    if (head!.length !== 8) return null;
    groups.push(...head!);
  } else {
    const missing = 8 - head!.length - tail.length;
    if (missing < 1) return null;
    groups.push(...head!, ...new Array<number>(missing).fill(0), ...tail);
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** The 16-bit groups of one side of `::`; a dotted IPv4 address may end it (two groups). */
function parseGroups(part: string): number[] | null {
  if (part === '') return [];
  const pieces = part.split(':');
  const groups: number[] = [];
  for (const [i, piece] of pieces.entries()) {
    if (i === pieces.length - 1 && piece.includes('.')) {
      if (isIP(piece) !== 4) return null;
      const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
    } else {
      return null;
    }
  }
  return groups;
}

function formatIPv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
