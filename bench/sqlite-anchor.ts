#!/usr/bin/env node
/**
 * The raw-SQLite ceiling beside our ingest: ../shared/anchors/sqlite-insert.mjs (append table,
 * WAL, synchronous=FULL, 1,000 rows per transaction) run with the same better-sqlite3 the
 * collector uses. Prints median rows/s of --runs, or a skip line where ../shared is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, REPO_ROOT } from '../test/helpers/processes.ts';

export function runSqliteAnchor(runs: number, seconds: number): number | null {
  const script = join(REPO_ROOT, '..', 'shared', 'anchors', 'sqlite-insert.mjs');
  if (!existsSync(script)) {
    console.log(`sqlite anchor skipped: ${script} not found`);
    return null;
  }
  const rates: number[] = [];
  const cpuPerMillion: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(
      process.execPath,
      [
        script,
        '--schema',
        'rowid',
        '--sync',
        'FULL',
        '--seconds',
        String(seconds),
        '--dir',
        '/tmp/perimeter-anchor-sqlite',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, BENCH_DEPS: join(REPO_ROOT, 'packages', 'collector') },
      },
    );
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    rates.push(r.rows_per_s);
    cpuPerMillion.push(((r.cpu_user_s + r.cpu_sys_s) / r.rows) * 1e6);
  }
  const value = median(rates);
  console.log(
    `raw better-sqlite3 append (anchor A, rowid, FULL, 1,000 rows/tx): ${Math.round(value).toLocaleString('en-US')} rows/s median of ${runs} (${Math.min(...rates).toLocaleString('en-US')}–${Math.max(...rates).toLocaleString('en-US')}), CPU s per M rows ${median(cpuPerMillion).toFixed(2)} (${Math.min(...cpuPerMillion).toFixed(2)}–${Math.max(...cpuPerMillion).toFixed(2)})`,
  );
  return value;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, seconds: { type: 'string', default: '5' } },
  });
  runSqliteAnchor(Number(values.runs), Number(values.seconds));
}
