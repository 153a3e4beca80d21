#!/usr/bin/env node
/**
 * Sampler cost, in two parts, each figure the median (min–max) of --runs:
 *
 * 1. Linux sampling cycle: every sampler of `sourceDefinitions` that runs on linux, built
 *    with the agent's real context (createRunCommand(), createFsRoot('/'), systemClock, a silent
 *    logger), warmed up once, then `collect()` --cycles times one after the other. CPU is
 *    process.cpuUsage() of this Node process (all its threads: main, libuv pool, GC); programs a
 *    sampler spawns (`df` from systeminformation, the nvidia-smi attempt) are not in it, so their
 *    CPU is shown apart from /proc/self/stat cutime+cstime (reaped children, 10 ms ticks), and wall
 *    time per cycle includes waiting for them. This VM has no sensors or GPU, so thermal and fans
 *    also run on the node_exporter hwmon + thermal_zone fixture tree, and gpu on the procfs amdgpu
 *    tree (with the real nvidia-smi attempt), read through createFsRoot(<unpacked tree>).
 * 2. Parse time: the pure parsers of the macOS outputs (pmset -g therm, ioreg IOAccelerator,
 *    macmon serve, powermetrics plists) and of the nvidia-smi CSV, over the shared fixtures, looped
 *    for at least --parse-ms per run; µs per parse beside the fixture's size.
 *
 *   node bench/samplers.ts [--runs 5] [--cycles 20] [--parse-ms 200]
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { agentConfigSchema } from '@perimeter/schema';
import { systemClock } from '../packages/agent/src/host/clock.ts';
import { createFsRoot, type FsRoot } from '../packages/agent/src/host/fs-root.ts';
import { createRunCommand } from '../packages/agent/src/host/run-command.ts';
import { darwinGpuReadings, darwinGpuStats } from '../packages/agent/src/samplers/gpu/darwin-stats.ts';
import { parseIoregNodes } from '../packages/agent/src/samplers/gpu/ioreg-parse.ts';
import { nvidiaGpuStats, parseNvidiaSmiCsv } from '../packages/agent/src/samplers/gpu/parse.ts';
import { gpuReadings } from '../packages/agent/src/samplers/gpu/readings.ts';
import { macmonFanReadings, macmonTemperatureReadings } from '../packages/agent/src/samplers/macos/macmon.ts';
import { macmonSampleFromExposition } from '../packages/agent/src/samplers/macos/macmon-parse.ts';
import { parseMactopHeadless } from '../packages/agent/src/samplers/macos/mactop-parse.ts';
import { parseLastPlist } from '../packages/agent/src/samplers/macos/plist-parse.ts';
import {
  parsePmsetTherm,
  pmsetThermalPressureLevel,
} from '../packages/agent/src/samplers/macos/pmset-therm-parse.ts';
import {
  powermetricsHwModel,
  powermetricsPower,
  powermetricsThermalPressure,
} from '../packages/agent/src/samplers/macos/powermetrics-parse.ts';
import { sourceDefinitions } from '../packages/agent/src/samplers/registry.ts';
import type { SampleResult, SourceContext, SourceDefinition } from '../packages/agent/src/samplers/types.ts';
import { unpackTtarFiles } from '../packages/agent/src/test-support/ttar.ts';
import { median, REPO_ROOT } from '../test/helpers/processes.ts';
import { fmt, reapedChildrenCpuMs, silentLogger } from './lib/measure.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    cycles: { type: 'string', default: '20' },
    'parse-ms': { type: 'string', default: '200' },
  },
});
const RUNS = Number(values.runs);
const CYCLES = Number(values.cycles);
const PARSE_MS = Number(values['parse-ms']);

const FIXTURES = join(REPO_ROOT, '..', 'shared', 'fixtures');
const fixturesAvailable = existsSync(FIXTURES);
const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

function outcome(result: SampleResult): string {
  switch (result.status) {
    case 'ok':
      return `ok, ${result.readings.length} reading${result.readings.length === 1 ? '' : 's'}`;
    case 'not-available-here':
      return `not-available-here: ${result.reason}`;
    case 'error':
      return `error: ${result.error.message}`;
  }
}

// ---- 1. Linux sampling cycle ------------------------------------------------------------------

interface CycleRow {
  label: string;
  tree: string;
  warmUp: string;
  cpuMs: number[];
  childrenMs: number[];
  wallMs: number[];
}

// Drift checks normally run every 5 minutes and repeat their results in between: measure a run
// (1 ms, the shortest interval the schema takes: every cycle is a real run).
const benchConfig = agentConfigSchema.parse({ drift: { interval: 1 } });

async function measureSampler(definition: SourceDefinition, fs: FsRoot, tree: string): Promise<CycleRow> {
  const context: SourceContext = {
    clock: systemClock,
    runCommand: createRunCommand(),
    fs,
    log: silentLogger,
    platform: 'linux',
    sleep: async () => {},
  };
  const settings = definition.configKey === undefined ? undefined : benchConfig[definition.configKey];
  const sampler = definition.createSampler!(context, settings);
  const row: CycleRow = {
    label: definition.name,
    tree,
    warmUp: outcome(await sampler.collect()),
    cpuMs: [],
    childrenMs: [],
    wallMs: [],
  };
  for (let run = 0; run < RUNS; run++) {
    const children0 = reapedChildrenCpuMs();
    const cpu0 = process.cpuUsage();
    const began = performance.now();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await sampler.collect();
    }
    const wall = performance.now() - began;
    const cpu = process.cpuUsage(cpu0);
    row.cpuMs.push((cpu.user + cpu.system) / 1000 / CYCLES);
    row.childrenMs.push((reapedChildrenCpuMs() - children0) / CYCLES);
    row.wallMs.push(wall / CYCLES);
  }
  return row;
}

async function linuxCycles(): Promise<void> {
  console.log(
    [
      `Linux sampling cycle: ${RUNS} runs × ${CYCLES} collect() cycles per sampler, after one warm-up collect().`,
      '  CPU ms/cycle      process.cpuUsage() delta of this Node process (user+system, every thread: main,',
      '                    libuv pool for fs reads, GC) / cycles. NOT counted: programs the sampler spawns',
      '                    (df from systeminformation fsSize, the nvidia-smi attempt).',
      '  children ms/cycle those spawned programs, from /proc/self/stat cutime+cstime (reaped children only,',
      '                    10 ms ticks, so coarse: 0.5 = one tick per 20 cycles).',
      '  wall ms/cycle     elapsed time of one collect(), awaited alone; includes waiting for those programs.',
    ].join('\n'),
  );
  const linuxDefinitions = sourceDefinitions.filter(
    (d) => d.platforms.includes('linux') && d.createSampler !== undefined,
  );
  const rows: CycleRow[] = [];
  if (process.platform === 'linux') {
    for (const definition of linuxDefinitions) {
      rows.push(await measureSampler(definition, createFsRoot('/'), '/ (this host)'));
    }
  } else {
    console.log(`  real-host rows skipped: this host is ${process.platform}, not linux`);
  }
  if (fixturesAvailable) {
    const byName = new Map(linuxDefinitions.map((d) => [d.name, d]));
    const sensors = unpackTtarFiles(
      fixture('linux', 'node_exporter-sys-hwmon.ttar'),
      fixture('linux', 'node_exporter-sys-thermal_zone.ttar'),
    );
    const amd = unpackTtarFiles(fixture('linux', 'procfs-sys-class-drm-amdgpu.ttar'));
    try {
      for (const name of ['thermal', 'fans']) {
        const definition = byName.get(name);
        if (definition) {
          rows.push(
            await measureSampler(definition, createFsRoot(sensors.root), 'node_exporter hwmon+thermal_zone'),
          );
        }
      }
      const gpu = byName.get('gpu');
      if (gpu) {
        rows.push(await measureSampler(gpu, createFsRoot(join(amd.root, 'fixtures')), 'procfs amdgpu drm'));
      }
    } finally {
      sensors.remove();
      amd.remove();
    }
  } else {
    console.log(`  fixture rows (thermal, fans, gpu on recorded /sys trees) skipped: no ${FIXTURES}`);
  }
  const labelWidth = Math.max(...rows.map((r) => `${r.label} @ ${r.tree}`.length));
  console.log(
    `  ${'sampler @ fs root'.padEnd(labelWidth)} | CPU ms/cycle           | children ms/cycle      | wall ms/cycle          | warm-up outcome`,
  );
  for (const row of rows) {
    console.log(
      [
        `  ${`${row.label} @ ${row.tree}`.padEnd(labelWidth)}`,
        fmt(row.cpuMs, 3).padEnd(22),
        fmt(row.childrenMs, 2).padEnd(22),
        fmt(row.wallMs, 3).padEnd(22),
        row.warmUp,
      ].join(' | '),
    );
  }
}

// ---- 2. Parse time per fixture ------------------------------------------------------------------

interface ParseCase {
  file: string[];
  what: string;
  parse(text: string): unknown;
  summary(result: unknown): string;
}

const plistCase = (name: string): ParseCase => ({
  file: ['macos', name],
  what: 'parseLastPlist + powermetrics{ThermalPressure,Power,HwModel}',
  parse: (text) => {
    const sample = parseLastPlist(text);
    return {
      model: powermetricsHwModel(sample),
      pressure: powermetricsThermalPressure(sample),
      power: powermetricsPower(sample),
    };
  },
  summary: (r) => {
    const { model, pressure, power } = r as {
      model: string | null;
      pressure: { word: string } | null;
      power: { combinedWatts: number | null } | null;
    };
    return `${model}, pressure ${pressure?.word ?? 'none'}, combined ${power?.combinedWatts?.toFixed(3) ?? 'none'} W`;
  },
});

const pmsetCase = (name: string): ParseCase => ({
  file: ['macos', name],
  what: 'parsePmsetTherm + pmsetThermalPressureLevel',
  parse: (text) => pmsetThermalPressureLevel(parsePmsetTherm(text)),
  summary: (r) => `level ${(r as { level: number | null }).level}`,
});

const PARSE_CASES: ParseCase[] = [
  pmsetCase('pmset-therm-m1pro.txt'),
  pmsetCase('pmset-therm-cpu-power-notify.txt'),
  {
    file: ['macos', 'ioreg-IOAccelerator-m4.txt'],
    what: 'parseIoregNodes + darwinGpuStats + darwinGpuReadings',
    parse: (text) =>
      parseIoregNodes(text).flatMap((node, index) => {
        const stats = darwinGpuStats(node, index);
        return stats === null ? [] : darwinGpuReadings(stats);
      }),
    summary: (r) => `${(r as unknown[]).length} readings`,
  },
  {
    file: ['macos', 'macmon-serve-metrics-m3pro.prom'],
    what: 'macmonSampleFromExposition + temperature/fan readings',
    parse: (text) => {
      const sample = macmonSampleFromExposition(text);
      return [...macmonTemperatureReadings(sample), ...macmonFanReadings(sample)];
    },
    summary: (r) => `${(r as unknown[]).length} readings`,
  },
  {
    file: ['macos', 'mactop-headless-m1ultra.json'],
    what: 'parseMactopHeadless',
    parse: parseMactopHeadless,
    summary: (r) => `pressure ${(r as { pressureLevel: number | null }).pressureLevel}`,
  },
  plistCase('powermetrics-thermal-mac16_6.plist'),
  plistCase('powermetrics-soc-power.plist'),
  plistCase('powermetrics-default-mac15_9.plist'),
  {
    file: ['linux', 'nvidia-smi-query-gpu-all-fields-h100.csv'],
    what: 'parseNvidiaSmiCsv (all fields, header) + nvidiaGpuStats + gpuReadings',
    parse: (text) => parseNvidiaSmiCsv(text).rows.flatMap((row) => gpuReadings(nvidiaGpuStats(row))),
    summary: (r) => `${(r as unknown[]).length} readings`,
  },
];

/** Keeps every result reachable so the loop cannot be optimised away. */
let sink: unknown;

function loopMs(parse: (text: string) => unknown, text: string, iterations: number): number {
  const began = performance.now();
  for (let i = 0; i < iterations; i++) {
    sink = parse(text);
  }
  return performance.now() - began;
}

/** Iterations for about PARSE_MS / 10, found by growing from 1 (this also warms the JIT up). */
function calibrateChunk(parse: (text: string) => unknown, text: string): number {
  let iterations = 1;
  for (;;) {
    const ms = loopMs(parse, text, iterations);
    if (ms >= PARSE_MS / 10) {
      return iterations;
    }
    iterations = ms < PARSE_MS / 80 ? iterations * 8 : Math.ceil((iterations * PARSE_MS) / 10 / ms);
  }
}

/** One run: chunks of the calibrated size until at least PARSE_MS have passed; µs per parse. */
function oneParseRun(parse: (text: string) => unknown, text: string, chunk: number) {
  let ms = 0;
  let iterations = 0;
  while (ms < PARSE_MS) {
    ms += loopMs(parse, text, chunk);
    iterations += chunk;
  }
  return { micros: (ms * 1000) / iterations, iterations };
}

function parseTimes(): void {
  console.log(
    `\nParse time per fixture: pure parse functions on the fixture text already in memory, ${RUNS} runs of ≥ ${PARSE_MS} ms each, timed in chunks of about a tenth of that after a calibrating warm-up; µs per parse.`,
  );
  if (!fixturesAvailable) {
    console.log(`  skipped: no ${FIXTURES}`);
    return;
  }
  const rows = PARSE_CASES.map((parseCase) => {
    const path = fixture(...parseCase.file);
    const text = readFileSync(path, 'utf8');
    const result = parseCase.parse(text);
    const chunk = calibrateChunk(parseCase.parse, text);
    const runs = Array.from({ length: RUNS }, () => oneParseRun(parseCase.parse, text, chunk));
    return {
      name: parseCase.file.join('/'),
      bytes: statSync(path).size,
      iterations: median(runs.map((r) => r.iterations)),
      micros: runs.map((r) => r.micros),
      what: parseCase.what,
      summary: parseCase.summary(result),
    };
  });
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  console.log(
    `  ${'fixture'.padEnd(nameWidth)} |    bytes | µs per parse             | iterations/run (median) | parsed with → result`,
  );
  for (const row of rows) {
    console.log(
      [
        `  ${row.name.padEnd(nameWidth)}`,
        row.bytes.toLocaleString('en-US').padStart(8),
        fmt(row.micros, row.micros.every((v) => v >= 100) ? 0 : 2).padEnd(24),
        row.iterations.toLocaleString('en-US').padStart(23),
        `${row.what} → ${row.summary}`,
      ].join(' | '),
    );
  }
  if (sink === Symbol.for('never')) {
    console.log('unreachable');
  }
}

await linuxCycles();
parseTimes();
