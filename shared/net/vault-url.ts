/**
 * Parses a user-supplied vault URL (a Vault `url`, an Azure `vaultUrl`, an AWS `endpoint`) and refuses
 * what must never be dialled, before anything connects.
 *
 * The WHATWG URL parser normalises every spelling of an IPv4 literal that `inet_aton` accepts (decimal
 * `2852039166`, hex `0xA9FEA9FE`, octal `0251.0376.0251.0376`, short `169.254.43518`, a trailing dot,
 * percent-encoding, full-width digits) to dotted decimal, and IPv6 literals to their compressed form;
 * the address policy then judges that one canonical address. This check is the only one an IP literal
 * gets: Node's `net.connect` (under `http.Agent`, `https.Agent` and `tls.connect`) skips `lookup`
 * when the host is already an IP address, so the guarded lookup never sees it. Host names are judged at
 * connect time by the guarded lookup (shared/net/guarded-lookup.ts), on the addresses they resolve to.
 *
 * Messages name the field and the problem and never echo the URL, which may carry a password or token.
 */
import { isIP } from 'node:net';
import { ValidationError } from '../errors.ts';
import { type AddressPolicy, assertAllowedAddress } from './address-policy.ts';

export interface VaultUrlOptions extends AddressPolicy {
  /** Accept http:// — the connection layer sets it only in local mode, for vaults on loopback. */
  allowHttp: boolean;
  /** The request field that carried the URL, for messages and error details. Default `url`. */
  field?: string;
}

export function parseVaultUrl(raw: string, options: VaultUrlOptions): URL {
  const field = options.field ?? 'url';
  const refuse = (message: string, cause?: unknown): never => {
    throw new ValidationError(`${field}: ${message}`, { cause, details: [{ path: field, message }] });
  };
  // WHATWG drops tabs and newlines anywhere, and spaces and controls at either end, before parsing.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters WHATWG strips
  const text = raw.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The parser's own message quotes the input, so it is not kept as the cause.
    return refuse('is not a valid URL: write it as https://host[:port][/path]');
  }
  const authority = /^[^:]*:[/\\]*([^/\\?#]*)/.exec(text)?.[1] ?? '';
  if (url.username !== '' || url.password !== '' || authority.includes('@')) {
    refuse(
      "must not carry a user name or password (user:password@): give them as the connection's credentials",
    );
  }
  if (url.protocol === 'http:' && !options.allowHttp) {
    refuse('must use https:// (http:// is accepted only for a vault on this machine in local mode)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') refuse('must start with https://');
  if (url.hash !== '' || text.includes('#')) refuse('must not have a #fragment');
  if (url.search !== '' || text.includes('?')) refuse('must not have a ?query');
  if (url.hostname === '') refuse('must name a host');
  if (url.port === '0') refuse('must name a port from 1 to 65535');

  const literal = ipLiteralOf(url);
  if (literal !== undefined) {
    assertAllowedAddress(literal, { allowLoopback: options.allowLoopback, field });
  } else if (!options.allowLoopback && isLocalhostName(url.hostname)) {
    refuse(`the host ${url.hostname} is a loopback name: loopback is only allowed in local mode`);
  }
  return url;
}

/** The URL's host when it is an IP address (IPv6 without its brackets), else undefined. */
export function ipLiteralOf(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? undefined : host;
}

/** `localhost` and names under it always mean this machine (RFC 6761), so they fail here, not at connect. */
function isLocalhostName(host: string): boolean {
  const name = host.replace(/\.$/, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost');
}
