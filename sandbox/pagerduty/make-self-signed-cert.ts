import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  /** PEM certificate; it is its own CA, so clients trust it by passing it as `ca`. */
  cert: string;
  /** PEM private key. */
  key: string;
}

let shared: Promise<SelfSignedCert> | undefined;

/**
 * One certificate per test process: RSA key generation costs a few hundred ms, and every emulator on 127.0.0.1
 * can present the same throwaway certificate. A failure is not cached, so the next emulator tries again.
 */
export function sharedSelfSignedCert(): Promise<SelfSignedCert> {
  shared ??= makeSelfSignedCert().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/**
 * Makes a throwaway self-signed certificate for 127.0.0.1 with the `openssl` CLI. The IP SAN matters: Node checks
 * the address against subjectAltName, not the CN. The temporary directory is removed even when openssl fails;
 * a missing `openssl` rejects with the spawn error.
 */
export async function makeSelfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'pd-emulator-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1',
      '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', keyPath, '-out', certPath,
    ]);
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
