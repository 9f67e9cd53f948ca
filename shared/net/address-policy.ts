/**
 * Which IP addresses a user-supplied vault URL may reach. secretm runs inside a customer's AWS account,
 * where link-local and metadata addresses hand out the account's credentials, so those are refused
 * whatever the spelling: IPv4, IPv6, IPv4-mapped (`::ffff:169.254.169.254`), IPv4-compatible
 * (`::a9fe:a9fe`), SIIT-translated, NAT64 (`64:ff9b::a9fe:a9fe`) and 6to4 addresses are classified by
 * the IPv4 address they carry. Private ranges stay allowed: customers run Vault inside their VPC.
 */
import { BlockList, isIP } from 'node:net';
import { ValidationError } from '../errors.ts';

export type AddressClass =
  | 'metadata'
  | 'link-local'
  | 'loopback'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'private'
  | 'public';

export interface AddressPolicy {
  /** Loopback is reachable in local mode only. */
  allowLoopback: boolean;
}

type Range = readonly [address: string, prefix: number];

function blockList(v4: Range[], v6: Range[] = []): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of v4) list.addSubnet(address, prefix, 'ipv4');
  for (const [address, prefix] of v6) list.addSubnet(address, prefix, 'ipv6');
  return list;
}

/** Checked in this order: the first list that holds the address names its class. */
const classes: [AddressClass, BlockList][] = [
  [
    'metadata',
    blockList(
      // IMDS (AWS, Azure, GCP, Oracle), ECS task credentials, EKS Pod Identity, Alibaba Cloud metadata.
      [
        ['169.254.169.254', 32],
        ['169.254.170.2', 32],
        ['169.254.170.23', 32],
        ['100.100.100.200', 32],
      ],
      // AWS's IPv6 instance services: IMDS, EKS Pod Identity, DNS resolver, time sync.
      [
        ['fd00:ec2::254', 128],
        ['fd00:ec2::23', 128],
        ['fd00:ec2::253', 128],
        ['fd00:ec2::123', 128],
      ],
    ),
  ],
  ['unspecified', blockList([['0.0.0.0', 8]], [['::', 128]])],
  ['loopback', blockList([['127.0.0.0', 8]], [['::1', 128]])],
  ['link-local', blockList([['169.254.0.0', 16]], [['fe80::', 10]])],
  ['multicast', blockList([['224.0.0.0', 4]], [['ff00::', 8]])],
  ['broadcast', blockList([['255.255.255.255', 32]])],
  // 240/4 is unroutable; a local-use NAT64 prefix may carry its IPv4 at any RFC 6052 offset, so what it
  // reaches cannot be told from the address.
  ['reserved', blockList([['240.0.0.0', 4]], [['64:ff9b:1::', 48]])],
  [
    'private',
    blockList(
      [
        ['10.0.0.0', 8],
        ['172.16.0.0', 12],
        ['192.168.0.0', 16],
        ['100.64.0.0', 10],
      ],
      [
        ['fc00::', 7],
        ['fec0::', 10],
      ],
    ),
  ],
];

/** Classifies an IP address (not a host name). ValidationError when `ip` is not an address. */
export function classifyAddress(ip: string): AddressClass {
  const address = ip.replace(/%.*$/, ''); // an IPv6 zone id (fe80::1%eth0) names an interface, not a host
  const version = isIP(address);
  if (version === 0) throw new ValidationError(`"${ip}" is not an IP address`);
  const embedded = version === 6 ? embeddedIpv4(address) : undefined;
  if (embedded !== undefined) return classifyAddress(embedded);
  const type = version === 4 ? 'ipv4' : 'ipv6';
  for (const [name, list] of classes) if (list.check(address, type)) return name;
  return 'public';
}

const reasons: Record<Exclude<AddressClass, 'private' | 'public'>, string> = {
  metadata:
    'a cloud instance metadata or credentials address (such as 169.254.169.254 or fd00:ec2::254); secretm never connects there',
  'link-local':
    'a link-local address (169.254.0.0/16, fe80::/10), where instance metadata and credentials live; secretm never connects there',
  loopback: 'a loopback address (127.0.0.0/8, ::1): loopback is only allowed in local mode',
  unspecified:
    'an unspecified address (0.0.0.0/8, ::), which reaches this machine; secretm never connects there',
  multicast: 'a multicast address (224.0.0.0/4, ff00::/8), which is not a vault',
  broadcast: 'the broadcast address 255.255.255.255, which is not a vault',
  reserved:
    'a reserved address (240.0.0.0/4, or the local-use NAT64 prefix 64:ff9b:1::/48 whose IPv4 target cannot be checked)',
};

/** Why the policy refuses `ip`, or undefined when it may be reached. */
export function addressRefusal(ip: string, policy: AddressPolicy): string | undefined {
  const kind = classifyAddress(ip);
  if (kind === 'public' || kind === 'private') return undefined;
  if (kind === 'loopback' && policy.allowLoopback) return undefined;
  return reasons[kind];
}

/**
 * Throws a ValidationError naming why `ip` may not be reached. `host` is the name that resolved to it
 * (absent for an address written in the URL); `field` the request field that carried the URL.
 */
export function assertAllowedAddress(
  ip: string,
  policy: AddressPolicy & { host?: string; field?: string },
): void {
  const reason = addressRefusal(ip, policy);
  if (reason === undefined) return;
  const what =
    policy.host === undefined
      ? `the host ${ip} is ${reason}`
      : `"${policy.host}" resolves to ${ip}, ${reason}`;
  if (policy.field === undefined) throw new ValidationError(what);
  throw new ValidationError(`${policy.field}: ${what}`, { details: [{ path: policy.field, message: what }] });
}

/**
 * The IPv4 address an IPv6 address carries and reaches: mapped (::ffff:0:0/96), SIIT-translated
 * (::ffff:0:0:0/96), compatible (::/96, but not :: or ::1), well-known NAT64 (64:ff9b::/96), 6to4 (2002::/16).
 */
function embeddedIpv4(ip: string): string | undefined {
  const h = hextets(ip);
  const zeros = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (zeros(0, 5) && h[5] === 0xffff) return v4(h[6]!, h[7]!);
  if (zeros(0, 4) && h[4] === 0xffff && h[5] === 0) return v4(h[6]!, h[7]!);
  if (zeros(0, 6) && (h[6] !== 0 || h[7]! > 1)) return v4(h[6]!, h[7]!);
  if (h[0] === 0x64 && h[1] === 0xff9b && zeros(2, 6)) return v4(h[6]!, h[7]!);
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!);
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address (as `isIP` accepts it), with any dotted tail converted. */
function hextets(ip: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const text = dotted
    ? `${ip.slice(0, dotted.index)}${((+dotted[1]! << 8) | +dotted[2]!).toString(16)}:${((+dotted[3]! << 8) | +dotted[4]!).toString(16)}`
    : ip;
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((x) => Number.parseInt(x, 16)));
  const front = groups(head);
  if (tail === undefined) return front;
  const back = groups(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
