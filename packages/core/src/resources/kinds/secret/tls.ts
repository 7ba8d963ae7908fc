import { createPrivateKey, X509Certificate } from 'node:crypto';

/** Why a PEM certificate chain and key cannot serve TLS, per field; empty when they can. */
export function tlsPairProblems(certPem: Buffer, keyPem: Buffer): { cert?: string; key?: string } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    return { cert: `not a PEM certificate: ${(err as Error).message}` };
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    return { key: `not a PEM private key: ${(err as Error).message}` };
  }
  if (!cert.checkPrivateKey(key)) return { key: `does not match the certificate in data[tls.crt]` };
  return {};
}
