/**
 * The addresses the kernel lists as listening on a TCP port (Linux: /proc/net/tcp and tcp6), as `ss
 * -ltn` shows them: `127.0.0.1`, `0.0.0.0`, `::`, `::ffff:127.0.0.1`. Reads the table; dials nothing.
 */
import { readFile } from 'node:fs/promises';

const listenState = '0A';

export async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const [table, parse] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== listenState) continue;
      const [address, hexPort] = local.split(':');
      if (address && hexPort && Number.parseInt(hexPort, 16) === port) found.push(parse(address));
    }
  }
  return found;
}

/** `0100007F` → `127.0.0.1` (the kernel prints the address in host byte order). */
function ipv4(hex: string): string {
  return bytesOfWord(hex).join('.');
}

/** Four words in host byte order → the usual text form, IPv4-mapped addresses as `::ffff:a.b.c.d`. */
function ipv6(hex: string): string {
  const bytes = [0, 8, 16, 24].flatMap((at) => bytesOfWord(hex.slice(at, at + 8)));
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  if (bytes.every((byte) => byte === 0)) return '::';
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

function bytesOfWord(hex: string): number[] {
  return [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
}
