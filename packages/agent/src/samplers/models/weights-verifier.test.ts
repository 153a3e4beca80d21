import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWeightsVerifier } from './weights-verifier.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'perimeter-verifier-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('weights verifier', () => {
  it('hashes a file once, then trusts the cache while its identity holds, and re-hashes when it moves', async () => {
    writeFileSync(join(root, 'w'), 'weights v1');
    const verifier = createWeightsVerifier({ root });
    const [first] = await verifier.check(['/w'], 0);
    expect(first).toMatchObject({ status: 'ok', sha256: sha('weights v1'), changed: true, previous: null });
    const [second] = await verifier.check(['/w'], 1);
    expect(second).toMatchObject({ status: 'ok', sha256: sha('weights v1'), changed: false });
    writeFileSync(join(root, 'w'), 'weights v2');
    const [third] = await verifier.check(['/w'], 2);
    expect(third).toMatchObject({ sha256: sha('weights v2'), changed: true, previous: sha('weights v1') });
  });

  it('re-hashes in the background within the byte budget, carrying a partial hash across calls', async () => {
    const content = 'x'.repeat(1000);
    writeFileSync(join(root, 'w'), content);
    const verifier = createWeightsVerifier({ root, rehashAgeMs: 100, chunkBytes: 64 });
    await verifier.check(['/w'], 0);
    expect(await verifier.background(10_000, 50)).toEqual([]); // not stale yet
    expect(await verifier.background(600, 200)).toEqual([]); // 600 of 1000 bytes
    expect(await verifier.background(600, 210)).toEqual([
      { path: '/w', sha256: sha(content), cached: sha(content) },
    ]);
    expect(verifier.snapshot()['/w']?.hashedAtMs).toBe(210);
  });

  it('says which file is unreadable and why', async () => {
    const verifier = createWeightsVerifier({ root });
    expect(await verifier.check(['/missing'], 0)).toEqual([
      { status: 'unreadable', path: '/missing', reason: 'ENOENT' },
    ]);
  });
});
