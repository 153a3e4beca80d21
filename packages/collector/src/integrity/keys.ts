import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The checkpoint signing key: Ed25519 from node:crypto. The private key belongs outside the data
 * directory (another volume, or owned by another user): whoever can write the store must not be
 * able to read it. The key id is the SHA-256 fingerprint of the public key (SPKI DER), so a
 * checkpoint names the key that signed it and rotation keeps old checkpoints verifiable.
 */
export const PRIVATE_KEY_FILE = 'checkpoint-signing.key';
export const PUBLIC_KEY_FILE = 'checkpoint-signing.pub';

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function createSigningKeyFiles(outDir: string): {
  privateKeyPath: string;
  publicKeyPath: string;
  keyId: string;
} {
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateKeyPath = join(outDir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(outDir, PUBLIC_KEY_FILE);
  // flag 'wx': never overwrite a key that may already sign checkpoints.
  writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
    flag: 'wx',
  });
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), {
    mode: 0o644,
    flag: 'wx',
  });
  return { privateKeyPath, publicKeyPath, keyId: keyIdOf(publicKey) };
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export function loadSigningKey(path: string): SigningKey {
  const privateKey = createPrivateKey(readFileSync(path));
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `integrity.signingKey: ${path} is a ${privateKey.asymmetricKeyType} key, expected Ed25519`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function loadPublicKey(path: string): { publicKey: KeyObject; keyId: string } {
  const publicKey = createPublicKey(readFileSync(path));
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`--public-key: ${path} is a ${publicKey.asymmetricKeyType} key, expected Ed25519`);
  }
  return { publicKey, keyId: keyIdOf(publicKey) };
}
