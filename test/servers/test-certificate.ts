/** The throw-away self-signed certificate of the test servers (local/peers/test-certificate.ts). */
export { selfSignedCertificate, type TestCertificate } from '../../local/peers/test-certificate.ts';
