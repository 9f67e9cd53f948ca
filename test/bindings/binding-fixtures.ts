/**
 * One set of secrets, one binding over them and what it must resolve to: read by the API's tests
 * (test/functions/api/bindings.test.ts) and the layer's (test/layers/secretm/bindings.test.ts), so the
 * API, its Kubernetes output and the layer are held to the same answers.
 *
 * The binding mixes env keys with files of each kind: text, base64 bytes that are UTF-8 text, and base64
 * bytes that are not; a file mounted where its secret says and one where the entry says; entry names
 * that differ from the files' names.
 */
import type { ResolvedBinding } from '../../shared/bindings/binding-types.ts';

const tlsKey = 'key bytes\nsecond line\n';
const caPem = '-----BEGIN CERTIFICATE-----\nMIIfixture\n-----END CERTIFICATE-----\n';
const keystore = Uint8Array.from([0xff, 0x00, 0xfe, 0x80, 0x01]);
const base64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString('base64');

/** `POST /v1/secrets` bodies. */
export const fixtureSecrets = [
  {
    name: 'orders-db',
    type: 'env',
    data: { username: 'orders', password: 'pw-1', host: 'db.internal' },
  },
  {
    name: 'orders-tls',
    type: 'file',
    file: {
      content: base64(tlsKey),
      encoding: 'base64',
      filename: 'tls.key',
      mountPath: '/etc/tls',
      mode: '0400',
    },
  },
  {
    name: 'orders-ca',
    type: 'file',
    file: { content: caPem, encoding: 'utf8', filename: 'ca.pem' },
  },
  {
    name: 'orders-keystore',
    type: 'file',
    file: { content: base64(keystore), encoding: 'base64', filename: 'keystore.p12', mountPath: '/etc/keys' },
  },
] as const;

export const fixtureService = 'orders';

/** `PUT /v1/bindings/orders` body. */
export const fixtureBinding = {
  entries: [
    { name: 'DB_USER', secret: 'orders-db', key: 'username' },
    { name: 'DB_PASSWORD', secret: 'orders-db', key: 'password' },
    { name: 'tls', secret: 'orders-tls' },
    { name: 'ca', secret: 'orders-ca', mountPath: '/etc/ssl/certs' },
    { name: 'keystore', secret: 'orders-keystore' },
  ],
};

/** What `GET /v1/bindings/orders/resolve` answers, and the layer's `resolveBinding('orders')`. */
export const fixtureResolved: ResolvedBinding = {
  service: 'orders',
  env: { DB_USER: 'orders', DB_PASSWORD: 'pw-1' },
  files: [
    {
      name: 'tls',
      mountPath: '/etc/tls',
      filename: 'tls.key',
      mode: '0400',
      encoding: 'base64',
      content: base64(tlsKey),
    },
    { name: 'ca', mountPath: '/etc/ssl/certs', filename: 'ca.pem', encoding: 'utf8', content: caPem },
    {
      name: 'keystore',
      mountPath: '/etc/keys',
      filename: 'keystore.p12',
      encoding: 'base64',
      content: base64(keystore),
    },
  ],
};

/** Where the Kubernetes output puts each file (under its own file name), and the bytes it holds there. */
export const fixtureMounts: { path: string; bytes: Uint8Array; mode?: number }[] = [
  { path: '/etc/tls/tls.key', bytes: Buffer.from(tlsKey), mode: 0o400 },
  { path: '/etc/ssl/certs/ca.pem', bytes: Buffer.from(caPem) },
  { path: '/etc/keys/keystore.p12', bytes: keystore },
];

/** A template over the fixtures, and what it renders to: a base64 file renders as the text it holds. */
export const fixtureTemplate = {
  template: 'user={{secrets.orders-db.username}}\nkey={{secrets.orders-tls}}ca={{secrets.orders-ca}}',
  rendered: `user=orders\nkey=${tlsKey}ca=${caPem}`,
  /** Bytes that are not UTF-8 text cannot go into a template: refused, naming the reference. */
  binary: '{{secrets.orders-keystore}}',
};

/** A binding whose file secret is purged after the binding was saved: both refuse it with this message. */
export const fixtureGone = {
  secret: {
    name: 'gone',
    type: 'file',
    file: { content: 'soon gone', encoding: 'utf8', filename: 'gone.txt', mountPath: '/etc/gone' },
  },
  service: 'gone-since',
  binding: { entries: [{ name: 'gone', secret: 'gone' }] },
  message: 'binding gone-since no longer resolves: gone: there is no secret gone',
} as const;
