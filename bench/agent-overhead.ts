#!/usr/bin/env node
/**
 * Agent cost on this host: CPU seconds per hour and RSS of a real `perimeter-agent run` sampling
 * every --interval (default 10 s) and shipping to a real collector, measured over --windows
 * consecutive windows of --seconds each after a warm-up round. Beside it, in each window, the node_exporter anchor
 * (../shared/anchors/node-exporter-overhead.mjs, Debian prometheus-node-exporter) scraped at the
 * same interval, when it is installed, so the two are compared under the same conditions.
 * Prints median (min–max) over the windows, the ratios, and PASS/MISS against the targets
 * (agent CPU ≤ 1.5 × node_exporter's, agent RSS ≤ 80 MB).
 *
 * The agent measured is the deployed form (--form bundle, the default): scripts/build-agent.ts's
 * packages/agent/dist/perimeter-agent.js, run with the deploy units' Node flags. --form sources
 * runs packages/agent/src/cli.ts as the tests and the demo do, for comparison.
 *
 * The CPU verdict is on the whole run (all windows' CPU over all windows' time), not on the median
 * window: drift checks run every 5 minutes, so some windows hold a drift round and some do not, and
 * only the whole run counts each at its real rate. The default, 12 windows of 60 s, holds three
 * (start, 5 and 10 min): a little more than an hour's rate of 12, so the figure errs high.
 *
 * --ai turns the AI workload's sources on (issue 19), to check the agent stays within the same bar
 * with them: the `models` source inventories a temp Ollama store of --ai-models models × --ai-blob-mib
 * MiB (bench/lib/ollama-store.ts; every blob named by its real SHA-256, so all verify) every
 * --ai-models-interval (the agent's default 60 s), re-hashing in the background at models.hashRate's
 * 50 MiB/s default; the `inference` source follows an nginx `escape=json` access log to which the
 * bench appends --ai-log-rate lines per second (the fixture lines of
 * packages/agent/src/samplers/inference/testdata/nginx-access.log, byte for byte but for the time).
 * The store is written and first hashed before the first window (the warm-up waits for the first
 * inventory to reach the collector), so the windows measure the steady state; the summary says how
 * many models and requests the collector stored, so a run whose sources did nothing shows it.
 * Without --ai the agent runs with an empty config, as before (its default model stores are
 * usually absent, and no access log is configured).
 *
 *   node bench/agent-overhead.ts [--windows 12] [--seconds 60] [--interval 10s] [--form bundle|sources]
 *     [--ai] [--ai-models 20] [--ai-blob-mib 16] [--ai-models-interval 60s] [--ai-log-rate 5]
 *     [--node-flags='--cpu-prof --cpu-prof-dir=/tmp/prof']   (after the deployed flags; a later V8 flag wins)
 */
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_NODE_FLAGS, buildAgent } from '../test/helpers/agent-build.ts';
import { startAgentProcess, waitUntil } from '../test/helpers/agent-process.ts';
import { startCollectorProcess } from '../test/helpers/collector-process.ts';
import { cpuSeconds, median, REPO_ROOT, rssBytes } from '../test/helpers/processes.ts';
import { writeOllamaStore } from './lib/ollama-store.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    windows: { type: 'string', default: '12' },
    interval: { type: 'string', default: '10s' },
    form: { type: 'string', default: 'bundle' },
    ai: { type: 'boolean', default: false },
    'ai-models': { type: 'string', default: '20' },
    'ai-blob-mib': { type: 'string', default: '16' },
    'ai-models-interval': { type: 'string', default: '60s' },
    'ai-log-rate': { type: 'string', default: '5' },
    'node-flags': { type: 'string', default: '' },
  },
});
/** --node-flags: extra Node/V8 flags after the deployed ones (a later V8 flag wins), to measure alternatives. */
const extraNodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
const wholeNumber = (name: 'ai-models' | 'ai-blob-mib' | 'ai-log-rate') => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name}: expected a whole number ≥ 0, got ${values[name]}`);
    process.exit(2);
  }
  return n;
};
if (values.form !== 'bundle' && values.form !== 'sources') {
  console.error(`--form must be bundle or sources, not ${values.form}`);
  process.exit(2);
}
const bundle = values.form === 'bundle';
if (bundle) {
  const { files } = await buildAgent();
  console.log(
    `agent form: bundle (${files.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(0)} KiB`).join(', ')}), node ${[...AGENT_NODE_FLAGS, ...extraNodeFlags].join(' ')}`,
  );
} else {
  console.log('agent form: sources (packages/agent/src/cli.ts, type stripping)');
}
const seconds = Number(values.seconds);
const windows = Number(values.windows);
const intervalSeconds = Number.parseFloat(values.interval);

/** CPU seconds of the programs the agent spawned and reaped (df, drift commands): cutime + cstime. */
function childCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

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

/** --ai: a temp model store and an access log being appended to, and the agent config naming them. */
function aiWorkload(): { config: string; modelCount: number; stop(): void } {
  const modelCount = wholeNumber('ai-models');
  const blobMiB = wholeNumber('ai-blob-mib');
  const rate = wholeNumber('ai-log-rate');
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-bench-ai-'));
  const store = join(dir, 'ollama');
  writeOllamaStore(store, { models: modelCount, blobMiB });
  const accessLog = join(dir, 'ai_access.json');
  writeFileSync(accessLog, '', { mode: 0o600 });
  const fixture = readFileSync(
    join(REPO_ROOT, 'packages/agent/src/samplers/inference/testdata/nginx-access.log'),
    'utf8',
  )
    .split('\n')
    .filter((line) => line !== '');
  let next = 0;
  const appender = setInterval(() => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, '+00:00');
    let text = '';
    for (let i = 0; i < rate; i++, next++) {
      const line = fixture[next % fixture.length] as string;
      text += `${line.replace(/"time_iso8601":"[^"]+"/, `"time_iso8601":"${now}"`)}\n`;
    }
    if (text !== '') appendFileSync(accessLog, text);
  }, 1000);
  console.log(
    `AI sources on: models over ${modelCount} Ollama models × ${blobMiB} MiB (${modelCount * blobMiB} MiB) every ${values['ai-models-interval']}, hashRate 50 MiB/s; nginx-json access log appended at ${rate} lines/s`,
  );
  return {
    modelCount,
    config: JSON.stringify({
      models: {
        ollamaDirs: [store],
        huggingfaceCaches: [],
        dirs: [],
        interval: values['ai-models-interval'],
      },
      inference: { accessLogs: [{ path: accessLog, format: 'nginx-json' }] },
    }),
    stop() {
      clearInterval(appender);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ai = values.ai ? aiWorkload() : undefined;
const collector = await startCollectorProcess();
const agent = startAgentProcess({
  collectorUrl: collector.url,
  token: collector.createToken('bench-agent'),
  nodeId: 'bench-agent',
  interval: values.interval,
  bundle,
  nodeFlags: extraNodeFlags,
  ...(ai === undefined ? {} : { config: ai.config }),
});
const pid = agent.child.pid as number;
const modelsStored = () =>
  collector.query<{ n: number }>(
    "SELECT count(*) AS n FROM series WHERE node_id = 'bench-agent' AND metric = 'perimeter.model.info'",
  )[0]?.n ?? 0;
const requestsStored = () =>
  collector.query<{ n: number }>(
    "SELECT count(*) AS n FROM events WHERE node_id = 'bench-agent' AND event_name = 'inference.request'",
  )[0]?.n ?? 0;
await waitUntil(
  () =>
    (collector.query<{ n: number }>("SELECT count(*) AS n FROM batches WHERE signal = 'metrics'")[0]?.n ??
      0) >= 1 &&
    (ai === undefined || modelsStored() >= ai.modelCount),
  ai === undefined ? 'the first round arrived' : 'the first round and the first model inventory arrived',
  120_000,
);

const agentRuns: Array<{
  seconds: number;
  cpuPerHour: number;
  schedPerHour: number;
  childrenPerHour: number;
  rssMiB: number;
  peakRssMiB: number;
}> = [];
const neRuns: Array<{ cpuPerHour: number; schedPerHour: number; rssMiB: number; scrapes: number }> = [];
for (let w = 1; w <= windows; w++) {
  const anchor = runNodeExporterAnchor();
  const cpu0 = cpuSeconds(pid);
  const sched0 = schedSeconds(pid);
  const children0 = childCpuSeconds(pid);
  const began = Date.now();
  let peakRss = rssBytes(pid);
  while (Date.now() - began < seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    peakRss = Math.max(peakRss, rssBytes(pid));
  }
  const window = (Date.now() - began) / 1000;
  const perHour = (s: number) => (s * 3600) / window;
  const run = {
    seconds: window,
    cpuPerHour: perHour(cpuSeconds(pid) - cpu0),
    schedPerHour: perHour(schedSeconds(pid) - sched0),
    childrenPerHour: perHour(childCpuSeconds(pid) - children0),
    rssMiB: rssBytes(pid) / 2 ** 20,
    peakRssMiB: peakRss / 2 ** 20,
  };
  agentRuns.push(run);
  const ne = await anchor;
  let line = `window ${w}: agent ${run.schedPerHour.toFixed(1)} CPU s/hour + children ${run.childrenPerHour.toFixed(1)}, RSS ${run.rssMiB.toFixed(1)} MiB`;
  if (ne) {
    const neRun = {
      cpuPerHour: Number(ne.cpu_s_per_hour),
      schedPerHour: Number(ne.sched_cpu_s_per_hour),
      rssMiB: Number(ne.rss_kib_end) / 1024,
      scrapes: Number(ne.scrapes),
    };
    neRuns.push(neRun);
    line += ` | node_exporter ${neRun.schedPerHour.toFixed(1)} CPU s/hour, RSS ${neRun.rssMiB.toFixed(1)} MiB, ${neRun.scrapes} scrapes`;
  }
  console.log(line);
}
const rounds =
  collector.query<{ n: number }>("SELECT count(*) AS n FROM batches WHERE signal = 'metrics'")[0]?.n ?? 0;
const points =
  collector.query<{ p: number }>("SELECT max(point_count) AS p FROM batches WHERE signal = 'metrics'")[0]
    ?.p ?? 0;
const aiStored =
  ai === undefined ? '' : `; ${modelsStored()} models and ${requestsStored()} inference requests stored`;
await agent.stop();
await collector.stop();
ai?.stop();

const fmt = (list: number[], digits = 1) => {
  const f = (v: number) =>
    v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(list))} (${f(Math.min(...list))}–${f(Math.max(...list))})`;
};
console.log(
  `agent overhead: interval ${values.interval}, ${windows} windows × ${seconds} s after warm-up, ${rounds} rounds shipped in all (largest metrics batch ${points} data points)${aiStored}; median (min–max)`,
);
console.log(
  `perimeter-agent   CPU ${fmt(agentRuns.map((r) => r.cpuPerHour))} s/hour (schedstat ${fmt(agentRuns.map((r) => r.schedPerHour))} s/hour) + spawned programs ${fmt(agentRuns.map((r) => r.childrenPerHour))} s/hour | RSS ${fmt(agentRuns.map((r) => r.rssMiB))} MiB (peak ${fmt(agentRuns.map((r) => r.peakRssMiB))} MiB)`,
);
// The target counts the agent's whole cost: its own threads plus the programs it runs (node_exporter
// runs none), over the whole run: the windows are equally long, so the mean is CPU s / total hours.
const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
const agentCpu = mean(agentRuns.map((r) => r.schedPerHour + r.childrenPerHour));
const agentRss = median(agentRuns.map((r) => r.rssMiB));
if (neRuns.length > 0) {
  const neCpu = mean(neRuns.map((r) => r.schedPerHour));
  const neRss = median(neRuns.map((r) => r.rssMiB));
  console.log(
    `node_exporter 1.5 CPU ${fmt(neRuns.map((r) => r.cpuPerHour))} s/hour (schedstat ${fmt(neRuns.map((r) => r.schedPerHour))} s/hour) | RSS ${fmt(neRuns.map((r) => r.rssMiB))} MiB | ${neRuns.reduce((n, r) => n + r.scrapes, 0)} scrapes`,
  );
  const ratios = agentRuns.map(
    (r, i) => (r.schedPerHour + r.childrenPerHour) / (neRuns[i]?.schedPerHour ?? Number.NaN),
  );
  console.log(
    `whole run (all windows): agent ${agentCpu.toFixed(2)} CPU s/hour, node_exporter ${neCpu.toFixed(2)} CPU s/hour (schedstat)`,
  );
  console.log(
    `ratio agent (own threads + spawned programs) / node_exporter: CPU ${(agentCpu / neCpu).toFixed(2)}× over the whole run (per window median (min–max) ${fmt(ratios, 2)}), RSS ${(agentRss / neRss).toFixed(2)}× (medians)`,
  );
  console.log(
    `target agent CPU ≤ 1.5 × node_exporter: ${(agentCpu / neCpu).toFixed(2)}× → ${agentCpu / neCpu <= 1.5 ? 'PASS' : 'MISS'}`,
  );
}
const rssMB = (agentRss * 2 ** 20) / 1e6;
const peakMB = (Math.max(...agentRuns.map((r) => r.peakRssMiB)) * 2 ** 20) / 1e6;
console.log(
  `target agent RSS ≤ 80 MB: ${rssMB.toFixed(1)} MB (median at window ends) → ${rssMB <= 80 ? 'PASS' : 'MISS'}; peak over the run ${peakMB.toFixed(1)} MB → ${peakMB <= 80 ? 'PASS' : 'MISS'}`,
);
