import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken, openStoreFile } from '@perimeter/collector';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { verifyNodeChain } from '../../packages/collector/src/evidence/integrity.ts';
import type { FleetNodeResult, FleetSpec } from './agent-fleet.ts';
import { waitUntil } from './agent-process.ts';

/**
 * Shared by the chaos scenarios (test/chaos/): the long/CI switch, the simulated-agent fleet
 * process, tokens made straight in the store (50 CLI spawns cost half a minute on 2 cores), and
 * record-by-record checks read from the store with a read-only connection.
 */

/** `PERIMETER_LONG=1` runs the long variants (2-minute kill loop, 10-minute upstream outage). */
export const LONG = process.env.PERIMETER_LONG === '1' || process.env.PERIMETER_LONG === 'true';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function readStore<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'collector.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Node tokens for many nodes at once, written into the store as `tokens create` would. */
export function createNodeTokens(dataDir: string, nodeIds: readonly string[]): Map<string, string> {
  const store = openStoreFile({ dataDir, busyTimeoutMs: 10_000 });
  try {
    return new Map(
      nodeIds.map((nodeId) => [
        nodeId,
        createToken(store, { nodeId, role: 'node', actor: 'chaos-test', nowMs: Date.now() }).token,
      ]),
    );
  } finally {
    store.close();
  }
}

/** The replay verifier (verify-chain.ts, via evidence/integrity.ts) over each node's whole chain. */
export function expectChainsHold(dataDir: string, nodeIds: readonly string[]): void {
  const store = openStoreFile({ dataDir, readonly: true });
  let broken: string[];
  try {
    broken = nodeIds
      .map((nodeId) => ({ nodeId, verdict: verifyNodeChain(store.chain, nodeId) }))
      .filter(({ verdict }) => !verdict.ok || verdict.checked === 0)
      .map(({ nodeId, verdict }) => `${nodeId}: ${verdict.summary}`);
  } finally {
    store.close();
  }
  expect(broken).toEqual([]);
}

export const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

export interface FleetRun {
  result: Promise<{ code: number | null; nodes: FleetNodeResult[]; stderr: string }>;
}

/** Starts the fleet process (agent-fleet.ts); `result` settles when it has drained and exited. */
export function startFleet(spec: Omit<FleetSpec, 'dir' | 'resultFile'>): FleetRun {
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-chaos-fleet-'));
  const full: FleetSpec = { ...spec, dir, resultFile: join(dir, 'result.json') };
  const specFile = join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(full));
  const child = spawn(process.execPath, [join(import.meta.dirname, 'agent-fleet.ts'), specFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return {
    result: new Promise((resolve) => {
      child.once('exit', (code) => {
        let nodes: FleetNodeResult[] = [];
        try {
          nodes = JSON.parse(readFileSync(full.resultFile, 'utf8')) as FleetNodeResult[];
        } catch {
          // no result: the caller sees the exit code and stderr
        }
        resolve({ code, nodes, stderr });
      });
    }),
  };
}

/** Every seq 1..max present; the first arrival of each in ascending order (re-sends allowed). */
export function expectCompleteAndOrdered(seqs: readonly number[], max: number, what: string): void {
  const missing = range(1, max).filter((seq) => !seqs.includes(seq));
  expect(missing, `${what}: missing seqs`).toEqual([]);
  const seen = new Set<number>();
  const firstArrival: number[] = [];
  for (const seq of seqs) {
    if (!seen.has(seq)) {
      seen.add(seq);
      firstArrival.push(seq);
    }
  }
  const outOfOrder = firstArrival.filter((seq, i) => i > 0 && seq < (firstArrival[i - 1] as number));
  expect(outOfOrder, `${what}: seqs that arrived after a later one`).toEqual([]);
}

/** GET /api/v1/alerts with a reader token. */
export async function activeAlerts(
  url: string,
  readerToken: string,
): Promise<Array<{ name: string; state: string; labels: Record<string, string>; value: number }>> {
  const response = await fetch(`${url}/api/v1/alerts`, {
    headers: { authorization: `Bearer ${readerToken}` },
  });
  if (!response.ok) {
    throw new Error(`GET /api/v1/alerts: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { active: [] }).active;
}

/** A sample's value from a /metrics scrape, or undefined when the series is absent. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) {
      return Number(line.slice(series.length + 1).split(' ')[0]);
    }
  }
  return undefined;
}

/** Waits until GET /api/v1/alerts shows `name` in `state` for the labels given; the error lists what it saw. */
export async function waitForAlert(
  url: string,
  readerToken: string,
  want: { name: string; state: string; labels: Record<string, string> },
  timeoutMs: number,
): Promise<void> {
  let seen: unknown = [];
  await waitUntil(
    async () => {
      const alerts = await activeAlerts(url, readerToken);
      seen = alerts.map((alert) => ({ name: alert.name, state: alert.state, labels: alert.labels }));
      return alerts.some(
        (alert) =>
          alert.name === want.name &&
          alert.state === want.state &&
          Object.entries(want.labels).every(([key, value]) => alert.labels[key] === value),
      );
    },
    () =>
      `${want.name} ${want.state} for ${JSON.stringify(want.labels)}; alerts seen: ${JSON.stringify(seen)}`,
    timeoutMs,
  );
}
