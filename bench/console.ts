#!/usr/bin/env node
/**
 * Console node page: one node's 24 h at a 10 s interval (8,640 metrics batches of 14 samples —
 * four temperatures with their limits, two fans, GPU load and power, CPU and memory — plus an
 * hourly login event), written through the real store API, served by a real `serve` process.
 * Time to first render = navigation start → the charts drawn (body[data-charts-ready]), in
 * Debian's chromium, a fresh browser context each run (nothing cached); median of --runs. Bytes
 * sent = every response body of that load (the page, CSS, scripts, uPlot). Without chromium, the
 * server's time to answer the page and its size are printed instead.
 *
 *   node bench/console.ts [--hours 24] [--interval 10] [--runs 5]
 */
import { rmSync } from 'node:fs';
import { chromiumMissing, launchChromium } from '../test/helpers/browser.ts';
import { startCollectorProcess } from '../test/helpers/collector-process.ts';
import { median } from '../test/helpers/processes.ts';
import { consoleSessionCookie } from './lib/console-session.ts';
import { numberFlags, openBenchStore, sshLogin, writeSyntheticHistory } from './lib/synthetic-store.ts';

const flags = numberFlags({ hours: 24, interval: 10, runs: 5 });
const HOURS = flags.hours;
const INTERVAL_MS = flags.interval * 1000;
const RUNS = flags.runs;
const NODE = 'mini-01';
const END_MS = Date.now();
const START_MS = END_MS - HOURS * 3_600_000;

const { dataDir, store } = openBenchStore('console');
const payload = Buffer.from('{"resourceMetrics":[]}');
const resource = {
  'perimeter.node.id': NODE,
  'host.name': NODE,
  'host.model': 'Mac16,10',
  'os.type': 'darwin',
};
const built = performance.now();
const { batches } = writeSyntheticHistory(store, {
  nodes: 1,
  startMs: START_MS,
  endMs: END_MS,
  includeEnd: true,
  intervalMs: INTERVAL_MS,
  node: () => ({
    nodeId: NODE,
    streamId: 'bench-stream',
    contentType: 'application/json',
    contentEncoding: '',
    payload,
  }),
  resource: () => resource,
  points: (_n, t) => {
    const wave = Math.sin((t - START_MS) / 3_600_000);
    const point = (
      metric: string,
      unit: string,
      value: number,
      attributes: Array<readonly [string, string]>,
    ) => ({
      metric,
      unit,
      kind: 'gauge' as const,
      attributes,
      timeMs: t,
      value,
    });
    const points = [];
    for (let s = 0; s < 4; s++) {
      const sensor = [['hw.id', `temp${s}`] as const, ['hw.name', s === 3 ? 'GPU' : `CPU die ${s}`] as const];
      points.push(point('hw.temperature', 'Cel', 55 + 10 * wave + s * 3, sensor));
      points.push(
        point('hw.temperature.limit', 'Cel', 100, [...sensor, ['hw.limit_type', 'high.critical'] as const]),
      );
    }
    points.push(point('hw.fan.speed', 'rpm', 1800 + 400 * wave, [['hw.id', 'fan0']]));
    points.push(point('hw.fan.speed', 'rpm', 1750 + 400 * wave, [['hw.id', 'fan1']]));
    points.push(point('hw.gpu.utilization', '1', 0.5 + 0.4 * wave, [['hw.id', 'gpu0']]));
    points.push(point('hw.power', 'W', 30 + 10 * wave, [['hw.name', 'gpu']]));
    points.push(point('system.cpu.utilization', '1', 0.4 + 0.3 * wave, []));
    points.push(point('system.memory.utilization', '1', 0.6, []));
    return points;
  },
  hourlyEvents: (_n, t) => [sshLogin(t)],
});
await store.close();
console.log(
  `store: 1 node × ${HOURS} h at ${INTERVAL_MS / 1000} s: ${batches} batches, built in ${((performance.now() - built) / 1000).toFixed(1)} s`,
);

const collector = await startCollectorProcess({ dataDir, logLevel: 'warn' });
const reader = collector.createToken('bench', 'reader');
const pagePath = `/nodes/${NODE}?from=-${HOURS}h&to=now`;
try {
  const cookie = await consoleSessionCookie(collector.url, reader);
  const serverMs: number[] = [];
  let htmlBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const response = await fetch(`${collector.url}${pagePath}`, { headers: { cookie } });
    htmlBytes = (await response.arrayBuffer()).byteLength;
    serverMs.push(performance.now() - started);
  }
  console.log(
    `node page ${HOURS} h, server only: median ${median(serverMs).toFixed(0)} ms to the last byte; HTML ${(htmlBytes / 1024).toFixed(0)} KiB`,
  );

  const missing = chromiumMissing();
  if (missing !== null) {
    console.log(`browser figures skipped: ${missing}`);
  } else {
    const browser = await launchChromium();
    const renderMs: number[] = [];
    let totalBytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const [name, value] = cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url: collector.url }]);
      const page = await context.newPage();
      const sizes: Array<Promise<number>> = [];
      page.on('response', (response) =>
        sizes.push(
          response.body().then(
            (b) => b.byteLength,
            () => 0,
          ),
        ),
      );
      await page.goto(`${collector.url}${pagePath}`);
      await page.waitForSelector('body[data-charts-ready]');
      renderMs.push(Number(await page.getAttribute('body', 'data-charts-ready-ms')));
      totalBytes = (await Promise.all(sizes)).reduce((sum, n) => sum + n, 0);
      await context.close();
    }
    await browser.close();
    console.log(
      `node page ${HOURS} h in chromium: time to first render (navigation start → charts drawn) median ${median(renderMs).toFixed(0)} ms over ${RUNS} cold loads [${renderMs.map((ms) => ms.toFixed(0)).join(', ')}]; bytes sent ${(totalBytes / 1024).toFixed(0)} KiB (HTML ${(htmlBytes / 1024).toFixed(0)} KiB + CSS, scripts, uPlot; uncompressed)`,
    );
  }
} finally {
  await collector.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
