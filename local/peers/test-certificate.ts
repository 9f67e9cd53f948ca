/**
 * A throw-away self-signed TLS certificate for the test servers on 127.0.0.1, made with openssl for one
 * run: a client trusts it only when given it as its CA, so each test says whom it trusts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  /** PEM of the private key. */
  key: string;
  /** PEM of the certificate, which is also its own CA. */
  cert: string;
}

/** A P-256 certificate valid for two days for `127.0.0.1` and the given DNS names. */
export async function selfSignedCertificate(dnsNames: readonly string[] = []): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'secretm-test-tls-'));
  const altNames = ['IP:127.0.0.1', ...dnsNames.map((name) => `DNS:${name}`)].join(',');
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=secretm test server',
      '-addext',
      `subjectAltName=${altNames}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    return {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
