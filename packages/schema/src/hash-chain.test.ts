import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestPayload, digestPayloadOffThread } from './hash-chain.ts';

describe('payload digests', () => {
  it('gives the same SHA-256 on the thread pool as on the calling thread, for any bytes', async () => {
    const payloads = [
      new Uint8Array(0),
      Buffer.from('abc'),
      randomBytes(192_145),
      randomBytes(1).subarray(1),
    ];
    // A view into a larger buffer: only its own bytes count.
    const backing = randomBytes(4096);
    payloads.push(backing.subarray(100, 900));
    for (const payload of payloads) {
      expect(await digestPayloadOffThread(payload)).toBe(digestPayload(payload));
    }
    expect(digestPayload(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
