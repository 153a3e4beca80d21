import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigningKeyFiles } from '../../packages/collector/src/integrity/keys.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { freePort, stopProcess, waitForHttp } from '../helpers/processes.ts';
import { simulatedNode } from '../helpers/upstream-process.ts';

/**
 * Remote write into a real Prometheus (Debian `prometheus`), then the series read back through its
 * API: the nodes' samples, and the signed checkpoint's sequence (the collector runs with a key).
 */
const PROMETHEUS = '/usr/bin/prometheus';
const present = existsSync(PROMETHEUS);
if (!present) {
  console.warn(`skipping remote-write e2e: ${PROMETHEUS} not found (apt-get install prometheus)`);
}

describe.skipIf(!present)('forward by Prometheus remote write to a real Prometheus', () => {
  let prometheus: ReturnType<typeof spawn>;
  let promUrl: string;
  let collector: CollectorProcess;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perimeter-prom-'));
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [
        '--web.enable-remote-write-receiver',
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    await waitForHttp(`${promUrl}/-/ready`, 15_000);
    const configFile = join(dir, 'collector.yaml');
    const keys = createSigningKeyFiles(join(dir, 'keys'));
    writeFileSync(
      configFile,
      JSON.stringify({
        integrity: { signingKey: keys.privateKeyPath },
        forward: [
          {
            type: 'prometheus-remote-write',
            name: 'prom',
            endpoint: `${promUrl}/api/v1/write`,
            retry: { initialInterval: '100ms' },
          },
        ],
      }),
    );
    process.env.PERIMETER_CONFIG = configFile;
    collector = await startCollectorProcess();
  }, 20_000);
  afterAll(async () => {
    delete process.env.PERIMETER_CONFIG;
    await collector?.stop();
    if (prometheus) {
      await stopProcess(prometheus as never, 'SIGKILL');
    }
  });

  it('writes node samples that Prometheus answers under their OTel→Prometheus names with node labels', async () => {
    const node = simulatedNode(collector.url, 'gpu-07', collector.createToken('gpu-07'));
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      expect(await node.send(t0 + i * 10_000, 3)).toBe(200);
    }
    const query = async () => {
      const url = `${promUrl}/api/v1/query_range?query=${encodeURIComponent('hw_temperature_celsius{node="gpu-07",hw_id="s1"}')}&start=${(t0 - 1000) / 1000}&end=${(t0 + 50_000) / 1000}&step=10`;
      return (await (await fetch(url)).json()) as {
        data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
      };
    };
    let answer = await query();
    for (let tries = 0; answer.data.result.length === 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await query();
    }
    expect(answer.data.result).toHaveLength(1);
    expect(answer.data.result[0]?.metric).toMatchObject({
      __name__: 'hw_temperature_celsius',
      node: 'gpu-07',
      hw_id: 's1',
    });
    expect(answer.data.result[0]?.values.length).toBeGreaterThanOrEqual(5);
    expect(Number(answer.data.result[0]?.values[0]?.[1])).toBeCloseTo(41.001, 3);
  }, 20_000);

  it('writes the signed checkpoint sequence, which Prometheus answers as perimeter_integrity_checkpoint_sequence', async () => {
    const query = async () => {
      const url = `${promUrl}/api/v1/query?query=${encodeURIComponent('perimeter_integrity_checkpoint_sequence')}`;
      return (await (await fetch(url)).json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
    };
    let answer = await query();
    for (let tries = 0; answer.data.result.length === 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await query();
    }
    expect(answer.data.result).toHaveLength(1);
    expect(answer.data.result[0]?.metric.key_id).toMatch(/^[0-9a-f]{64}$/);
    // The checkpoint written at start is number 1.
    expect(Number(answer.data.result[0]?.value[1])).toBeGreaterThanOrEqual(1);
  }, 20_000);
});
