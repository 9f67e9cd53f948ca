/**
 * moto in server mode (AWS Secrets Manager, STS, KMS) as a child process on a loopback port: for the
 * aws-secrets-manager adapter's tests (test/servers/moto.ts) and `npm run peers`.
 * scripts/servers/moto.sh installs it in .cache/servers.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, spawnServer } from '../managed-process.ts';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The virtualenv holding moto_server: SECRETM_MOTO_DIR, else the newest finished install in .cache/servers. */
export function motoDir(): string {
  const override = process.env.SECRETM_MOTO_DIR;
  if (override) return override;
  const cache = join(repoRoot, '.cache', 'servers');
  const found = existsSync(cache)
    ? readdirSync(cache)
        .filter((entry) => entry.startsWith('moto-') && existsSync(join(cache, entry, '.installed')))
        .sort()
        .at(-1)
    : undefined;
  if (!found) throw new Error('moto is not installed: run `bash scripts/install-servers.sh moto`');
  return join(cache, found);
}

export interface Moto {
  /** e.g. http://127.0.0.1:41235 */
  endpoint: string;
  stop(): Promise<void>;
}

/** moto answers any access key; these are the ones its documentation uses. */
export const motoCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export async function startMotoServer(): Promise<Moto> {
  const dir = motoDir();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const managed = await spawnServer({
    name: 'moto',
    command: join(dir, 'bin', 'moto_server'),
    args: ['-H', '127.0.0.1', '-p', String(port)],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    // moto's own API answers once the server is listening.
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).ok,
  });
  return { endpoint, stop: () => managed.stop() };
}

const testCertificates = `
import datetime, ipaddress, pathlib, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

out = pathlib.Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc)
def pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
def base(subject, issuer, public_key):
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2)))
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secretm test CA")])
ca = (base(ca_name, ca_name, ca_key.public_key())
    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False,
        decipher_only=False), critical=True)
    .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
    .sign(ca_key, hashes.SHA256()))
key = ec.generate_private_key(ec.SECP256R1())
leaf = (base(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name, key.public_key())
    .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    .sign(ca_key, hashes.SHA256()))
(out / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
(out / "cert.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
(out / "key.pem").write_bytes(pem(key))
`;

export interface MotoTls {
  /** https://127.0.0.1:PORT, served with a certificate of a private CA made for this run. */
  endpoint: string;
  /** PEM of that CA: trusted by nothing unless a client is given it. */
  caCert: string;
  stop(): Promise<void>;
}

/**
 * A second moto, over HTTPS with a certificate from a throw-away private CA (made with the
 * `cryptography` package moto's virtualenv already holds), for tests of a connection's `caCert`.
 */
export async function startMotoTls(): Promise<MotoTls> {
  const dir = motoDir();
  const certs = await mkdtemp(join(tmpdir(), 'secretm-moto-tls-'));
  try {
    await execFileAsync(join(dir, 'bin', 'python'), ['-c', testCertificates, certs]);
    const caCert = await readFile(join(certs, 'ca.pem'), 'utf8');
    const port = await freePort();
    const endpoint = `https://127.0.0.1:${port}`;
    const managed = await spawnServer({
      name: 'moto (TLS)',
      command: join(dir, 'bin', 'moto_server'),
      args: [
        '-H',
        '127.0.0.1',
        '-p',
        String(port),
        '-c',
        join(certs, 'cert.pem'),
        '-k',
        join(certs, 'key.pem'),
      ],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      ready: () => answersOverTls(endpoint, caCert),
    });
    return {
      endpoint,
      caCert,
      stop: async () => {
        await managed.stop();
        await rm(certs, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(certs, { recursive: true, force: true });
    throw error;
  }
}

function answersOverTls(endpoint: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(`${endpoint}/moto-api/`, { ca, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
