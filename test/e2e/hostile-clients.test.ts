import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';

/**
 * Attacks from issue 18 ("Hostile clients") against a real `serve` process on loopback: each test
 * does what the attacker did and checks the collector stays up, small and fair.
 */
let collector: CollectorProcess;

const MiB = 1024 * 1024;
const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/**
 * Streams `totalBytes` of form body at `path` (with or without a Content-Length) and resolves
 * with the status the collector answered; stops writing as soon as it has answered.
 */
function postHuge(path: string, totalBytes: number, declareLength: boolean): Promise<number> {
  const url = new URL(path, collector.url);
  const chunk = Buffer.alloc(MiB, 'a');
  return new Promise((resolve, reject) => {
    let answered = false;
    let broken = false;
    const req = request(
      url,
      {
        method: 'POST',
        // A fresh socket each time: the collector closes one whose refused body it stopped reading.
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(declareLength ? { 'content-length': String(totalBytes) } : {}),
        },
      },
      (res) => {
        answered = true;
        res.resume();
        res.on('end', () => {
          req.destroy();
          resolve(res.statusCode ?? 0);
        });
      },
    );
    // The collector may close the socket while we still write (EPIPE) before its answer is parsed:
    // only a socket that closes with no answer at all fails the call.
    req.on('error', (error) => {
      broken = true;
      setTimeout(() => (answered ? undefined : reject(error)), 2_000);
    });
    let sent = 0;
    const pump = () => {
      while (!answered && !broken && sent < totalBytes) {
        sent += chunk.byteLength;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered && !broken) req.end();
    };
    // One chunk, then a pause for an early answer before the flood: a collector that refuses at once
    // is heard (a reset socket loses the answer it had not read), one that buffers gets all of it.
    sent = chunk.byteLength;
    req.write(chunk);
    setTimeout(pump, 200);
  });
}

describe('hostile clients (real collector on loopback)', () => {
  beforeAll(async () => {
    collector = await startCollectorProcess({ logLevel: 'warn' });
  });
  afterAll(async () => {
    await collector?.stop();
  });

  it('refuses a 300 MiB unauthenticated POST /sign-in with 413 without buffering it', async () => {
    const pid = collector.child.pid as number;
    const before = rssBytes(pid);
    const declared = await postHuge('/sign-in', 300 * MiB, true);
    const chunked = await postHuge('/sign-in', 300 * MiB, false);
    const growth = rssBytes(pid) - before;
    console.log(`sign-in 300 MiB: RSS ${(before / MiB).toFixed(0)} MiB → +${(growth / MiB).toFixed(1)} MiB`);
    expect(declared).toBe(413);
    expect(chunked).toBe(413);
    expect(growth).toBeLessThan(40 * MiB);
  }, 120_000);

  it('bounds the body of routes that set no limit of their own (64 KiB default), and sign-in at 4 KiB', async () => {
    expect(await postHuge('/console/api/fleet', 2 * MiB, false)).toBe(413);
    expect(await postHuge('/api/v1/drift', 2 * MiB, true)).toBe(413);
    const signIn = await fetch(`${collector.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(5000)}`,
    });
    expect(signIn.status).toBe(413);
    expect(((await signIn.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });
});
