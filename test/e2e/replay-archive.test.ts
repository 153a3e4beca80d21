import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import {
  jsonLines,
  runCollectorCli,
  type ScenarioOptions,
  sendScenario,
} from '../helpers/replay-scenario.ts';

/**
 * Replay without a collector: a real collector's file sink writes the OTLP JSON-lines archive,
 * the collector is stopped and `replay --archive` rebuilds the node's timeline from the files
 * alone; a file cut mid-line and a corrupt line are reported (exit 3).
 */
const NODE = 'archive-node-1';
const now = Date.now();
const scenario: ScenarioOptions = {
  nodeId: NODE,
  stream: '0b2d7c11-52aa-4f7e-8d6c-7a2f10a0c002',
  startMs: now - 3_600_000,
  batches: 30,
  skipSeqs: [17, 18],
  silenceAfterSeq: 25,
  silenceMs: 10 * 60_000,
};
const window = [
  '--from',
  new Date(scenario.startMs - 60_000).toISOString(),
  '--to',
  new Date(now).toISOString(),
];
const replayArchive = (dir: string) =>
  runCollectorCli(['replay', '--node', NODE, ...window, '--archive', dir, '--format', 'jsonl']);

let collector: CollectorProcess;
let archiveDir: string;
const stored = 28;

describe('replay --archive from the file sink (real collector process, real CLI)', () => {
  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), 'perimeter-e2e-archive-'));
    archiveDir = join(base, 'archive');
    const dataDir = join(base, 'data');
    const configFile = join(base, 'collector.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({ forward: [{ type: 'file', name: 'archive', dir: archiveDir }] }),
    );
    process.env.PERIMETER_CONFIG = configFile;
    collector = await startCollectorProcess({ dataDir, logLevel: 'warn' });
    delete process.env.PERIMETER_CONFIG;
    await sendScenario(collector.url, collector.createToken(NODE, 'node'), scenario);
    const file = join(archiveDir, 'perimeter-otlp.jsonl');
    const deadline = Date.now() + 20_000;
    while (!existsSync(file) || readFileSync(file, 'utf8').split('\n').length - 1 < stored) {
      if (Date.now() > deadline) {
        throw new Error(`the file sink wrote too few lines:\n${collector.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await collector.stop();
  }, 60_000);
  afterAll(async () => {
    await collector?.stop();
  });

  it('rebuilds the timeline from the archive alone: events, summaries, the seq gap and the silence', () => {
    const result = replayArchive(archiveDir);
    expect(result.status).toBe(0);
    const lines = jsonLines(result.stdout);
    const integrity = lines.at(-1) as { source: string; ok: boolean; checked: number; summary: string };
    expect(integrity).toMatchObject({ source: 'archive', ok: true, checked: stored });
    expect(integrity.summary).toContain('1 sequence gap(s)');
    expect(lines.filter((row) => row.type === 'gap')).toMatchObject([
      { fromSeq: 17, toSeq: 18, missing: 2, streamId: scenario.stream },
    ]);
    expect(lines.filter((row) => row.type === 'event')).toHaveLength(6);
    expect(lines.filter((row) => row.type === 'silence').map((row) => row.ongoing)).toEqual([false, true]);
    expect(
      lines.some(
        (row) => row.type === 'metric' && (row.breach as { level: string } | null)?.level === 'critical',
      ),
    ).toBe(true);
  });

  it('reports a file cut mid-line', () => {
    const copy = mkdtempSync(join(tmpdir(), 'perimeter-archive-cut-'));
    cpSync(archiveDir, copy, { recursive: true });
    const file = join(copy, 'perimeter-otlp.jsonl');
    truncateSync(file, readFileSync(file).byteLength - 40);
    const result = replayArchive(copy);
    expect(result.status).toBe(3);
    const integrity = jsonLines(result.stdout).at(-1) as { ok: boolean; summary: string };
    expect(integrity.ok).toBe(false);
    expect(integrity.summary).toMatch(
      new RegExp(`^BROKEN at perimeter-otlp\\.jsonl:${stored}: file cut mid-line`),
    );
  });

  it('reports a corrupt line in the middle and keeps reading the rest', () => {
    const copy = mkdtempSync(join(tmpdir(), 'perimeter-archive-corrupt-'));
    cpSync(archiveDir, copy, { recursive: true });
    const file = join(copy, 'perimeter-otlp.jsonl');
    const text = readFileSync(file, 'utf8').split('\n');
    text[4] = (text[4] as string).slice(0, 50);
    writeFileSync(file, text.join('\n'));
    appendFileSync(file, '{"resourceMetrics": 7}\n');
    const result = replayArchive(copy);
    expect(result.status).toBe(3);
    const integrity = jsonLines(result.stdout).at(-1) as { problems: Array<{ at: string; what: string }> };
    expect(integrity.problems.map((problem) => problem.at)).toEqual([
      'perimeter-otlp.jsonl:5',
      `perimeter-otlp.jsonl:${stored + 1}`,
    ]);
    expect(integrity.problems[0]?.what).toMatch(/^corrupt line/);
  });
});
