#!/usr/bin/env node
/**
 * Agent cost on this host: CPU seconds per hour and RSS of a real `perimeter-agent run` sampling
 * every --interval (default 10 s) and shipping to a real collector, measured over --seconds after
 * a warm-up round. Beside it, in the same window, the node_exporter anchor
 * (../shared/anchors/node-exporter-overhead.mjs, Debian prometheus-node-exporter) scraped at the
 * same interval, when it is installed, so the two are compared under the same conditions.
 *
 *   node bench/agent-overhead.ts [--seconds 120] [--interval 10s]
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAgentProcess, waitUntil } from '../test/helpers/agent-process.ts';
import { startCollectorProcess } from '../test/helpers/collector-process.ts';
import { cpuSeconds, REPO_ROOT, rssBytes } from '../test/helpers/processes.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '120' }, interval: { type: 'string', default: '10s' } },
});
const seconds = Number(values.seconds);
const intervalSeconds = Number.parseFloat(values.interval);

/** On-CPU nanoseconds of all threads (finer than the 10 ms ticks of /proc/<pid>/stat). */
function schedSeconds(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return ns / 1e9;
}

function runNodeExporterAnchor(): Promise<Record<string, unknown> | null> {
  const script = join(REPO_ROOT, '..', 'shared', 'anchors', 'node-exporter-overhead.mjs');
  const binary = '/usr/bin/prometheus-node-exporter';
  if (!existsSync(script) || !existsSync(binary)) {
    console.log(
      `node_exporter anchor skipped: needs ${script} and ${binary} (apt-get install prometheus-node-exporter)`,
    );
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, '--interval', String(intervalSeconds), '--duration', String(seconds), '--port', '19100'],
      (error, stdout) => {
        resolve(error ? null : JSON.parse(stdout.trim().split('\n').pop() as string));
      },
    );
  });
}

const collector = await startCollectorProcess();
const agent = startAgentProcess({
  collectorUrl: collector.url,
  token: collector.createToken('bench-agent'),
  nodeId: 'bench-agent',
  interval: values.interval,
});
const pid = agent.child.pid as number;
await waitUntil(
  () =>
    (collector.query<{ n: number }>("SELECT count(*) AS n FROM batches WHERE signal = 'metrics'")[0]?.n ??
      0) >= 1,
  'the first round arrived',
  60_000,
);

const anchor = runNodeExporterAnchor();
const cpu0 = cpuSeconds(pid);
const sched0 = schedSeconds(pid);
const began = Date.now();
let peakRss = rssBytes(pid);
while (Date.now() - began < seconds * 1000) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  peakRss = Math.max(peakRss, rssBytes(pid));
}
const window = (Date.now() - began) / 1000;
const cpu = cpuSeconds(pid) - cpu0;
const sched = schedSeconds(pid) - sched0;
const rounds =
  collector.query<{ n: number }>("SELECT count(*) AS n FROM batches WHERE signal = 'metrics'")[0]?.n ?? 0;
const rss = rssBytes(pid);
await agent.stop();
await collector.stop();

const perHour = (s: number) => (s * 3600) / window;
console.log(
  `agent overhead: interval ${values.interval}, ${window.toFixed(0)} s window after warm-up, ${rounds} rounds shipped in all`,
);
console.log(
  `perimeter-agent   CPU ${perHour(cpu).toFixed(1)} s/hour (schedstat ${perHour(sched).toFixed(1)} s/hour) | RSS ${(rss / 2 ** 20).toFixed(1)} MiB (peak ${(peakRss / 2 ** 20).toFixed(1)} MiB)`,
);
const ne = await anchor;
if (ne) {
  const neCpu = Number(ne.sched_cpu_s_per_hour);
  const neRss = Number(ne.rss_kib_end) / 1024;
  console.log(
    `node_exporter 1.5 CPU ${Number(ne.cpu_s_per_hour).toFixed(1)} s/hour (schedstat ${neCpu.toFixed(1)} s/hour) | RSS ${neRss.toFixed(1)} MiB | ${ne.scrapes} scrapes`,
  );
  console.log(
    `ratio agent / node_exporter: CPU ${(perHour(sched) / neCpu).toFixed(2)}×, RSS ${(rss / 2 ** 20 / neRss).toFixed(2)}×`,
  );
}
