#!/usr/bin/env node
/** Every benchmark, one after the other (each uses most of the box): `scripts/dev bench`. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const here = import.meta.dirname;
for (const [script, args] of [
  ['ingest.ts', []],
  ['ingest-vs-prometheus.ts', []],
  ['latency.ts', []],
  ['fleet-1000.ts', []],
  ['forward.ts', []],
  ['replay.ts', []],
  ['console.ts', []],
  ['evidence.ts', []],
  ['alerts.ts', []],
  ['sqlite-anchor.ts', []],
  ['samplers.ts', []],
  ['models.ts', []],
  ['agent-overhead.ts', process.argv.slice(2)],
] as const) {
  console.log(`\n## ${script}`);
  execFileSync(process.execPath, [join(here, script), ...args], { stdio: 'inherit' });
}
