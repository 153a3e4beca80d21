import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { checkpointDocumentsIn } from '../../packages/collector/src/integrity/checkpoint-record.ts';
import { createSigningKeyFiles } from '../../packages/collector/src/integrity/keys.ts';
import { toJsonObject } from '../../packages/collector/src/otlp/otlp-transcode.ts';
import {
  type LoopbackUpstream,
  type ReceivedRequest,
  startLoopbackUpstream,
} from '../../packages/collector/src/test-support/loopback-upstream.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { COLLECTOR_CLI } from '../helpers/processes.ts';
import { simulatedNode } from '../helpers/upstream-process.ts';

/**
 * Off the box through OTLP, on real processes: a collector signing checkpoints forwards to an
 * OTLP upstream on loopback, the upstream is down at first (the checkpoint waits in the store), and
 * at shutdown the last checkpoint leaves too. The signed document taken from the log record the
 * upstream received is then given, as a file, to the real `perimeter-collector verify` CLI: INTACT
 * (exit 0); after a metric is renamed with the sqlite3 CLI, BROKEN (exit 3).
 */
let upstream: LoopbackUpstream | undefined;
let collector: CollectorProcess | undefined;
let work: string | undefined;
afterEach(async () => {
  await collector?.stop();
  await upstream?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The signed checkpoint documents in the given requests' log records, as a gateway would read them. */
const documentsIn = (requests: ReceivedRequest[]) =>
  requests
    .filter((request) => request.path === '/v1/logs')
    .flatMap((request) =>
      checkpointDocumentsIn(
        toJsonObject(
          {
            signal: 'logs',
            contentType: 'application/x-protobuf',
            contentEncoding: '',
            payload: request.body,
          },
          [],
        ),
      ),
    );

it('the checkpoint the OTLP upstream received verifies the store with the real verify CLI, and catches an edit', async () => {
  work = mkdtempSync(join(tmpdir(), 'perimeter-offbox-otlp-'));
  const keys = createSigningKeyFiles(join(work, 'keys'));
  upstream = await startLoopbackUpstream();
  const up = upstream;
  // Down at first: the start checkpoint must wait in the store and go out once it is back.
  let down = true;
  const refused: ReceivedRequest[] = [];
  const accepted: ReceivedRequest[] = [];
  up.answerWith((request) => {
    (down ? refused : accepted).push(request);
    return { status: down ? 503 : 200 };
  });
  collector = await startCollectorProcess({
    config: JSON.stringify({
      integrity: { signingKey: keys.privateKeyPath },
      forward: [
        {
          type: 'otlp',
          name: 'upstream',
          endpoint: up.url,
          timeout: '1s',
          retry: { initialInterval: '50ms', maxInterval: '200ms' },
        },
      ],
    }),
  });
  const node = simulatedNode(collector.url, 'gpu-01', collector.createToken('gpu-01'));
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < 3; i++) {
    expect(await node.send(t0 + i * 10_000, 3)).toBe(200);
  }
  const deadline = Date.now() + 15_000;
  while (documentsIn(refused).length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(documentsIn(refused).length).toBeGreaterThanOrEqual(2); // the start checkpoint, retried
  down = false;
  while (documentsIn(accepted).length < 1 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const storeDir = collector.dataDir;
  await collector.stop();
  collector = undefined;

  // The start checkpoint once the upstream was back, the shutdown one at stop: in order, each once.
  const documents = documentsIn(accepted);
  const seqs = documents.map((text) => (JSON.parse(JSON.parse(text).signed) as { seq: number }).seq);
  expect(seqs).toEqual([1, 2]);
  const file = join(work, 'from-upstream.jsonl');
  // As a gateway's export would hold them: JSON lines, one checkpoint each; verify takes the newest.
  writeFileSync(file, documents.map((text) => `${text}\n`).join(''));

  const verify = (dir: string) =>
    spawnSync(
      process.execPath,
      [COLLECTOR_CLI, 'verify', '--data-dir', dir, '--checkpoint', file, '--public-key', keys.publicKeyPath],
      { encoding: 'utf8' },
    );
  const intact = verify(storeDir);
  expect(intact.stdout).toMatch(/^INTACT: 1 node\(s\) verified against checkpoint 2 /);
  expect(intact.status).toBe(0);

  execFileSync('sqlite3', [join(storeDir, 'collector.db'), "UPDATE series SET metric = 'hw.fan.speed'"]);
  const broken = verify(storeDir);
  expect(broken.stdout).toMatch(/^BROKEN/);
  expect(broken.stdout).toContain('differs from what checkpoint 2 signed');
  expect(broken.status).toBe(3);
  rmSync(storeDir, { recursive: true, force: true });
}, 60_000);
