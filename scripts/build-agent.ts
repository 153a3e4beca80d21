#!/usr/bin/env node
/**
 * Builds the agent as deployed: packages/agent/dist/perimeter-agent.js, plain JavaScript with its
 * JS dependencies bundled in (rolldown), better-sqlite3 left as the one external (a native addon).
 *
 * Why a build for the agent, when every other program runs its .ts directly: the agent runs on
 * every node, and its resident memory is a budget (≤ 80 MB, issue 10). Running .ts makes Node load
 * its type stripper (amaro, a wasm swc: ~16 MiB resident for the life of the process), and ~300
 * separate modules cost more than one file. The bundle runs in ~40 MiB less (bench/RESULTS.md).
 * Dynamic imports stay lazy chunks (systeminformation, loaded only on macOS).
 *
 *   node scripts/build-agent.ts [--quiet]
 *
 * The launchd plist and the systemd unit start dist/perimeter-agent.js with AGENT_NODE_FLAGS
 * (test/deploy checks they agree with test/helpers/agent-build.ts).
 */
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'rolldown';

const repoRoot = join(import.meta.dirname, '..');
export const AGENT_DIST = join(repoRoot, 'packages', 'agent', 'dist');
export const AGENT_BUNDLE = join(AGENT_DIST, 'perimeter-agent.js');

export async function buildAgent(): Promise<{ files: Array<{ name: string; bytes: number }> }> {
  rmSync(AGENT_DIST, { recursive: true, force: true });
  const output = await build({
    input: join(repoRoot, 'packages', 'agent', 'src', 'cli.ts'),
    platform: 'node',
    // A native addon: it must be resolved from node_modules at run time, never inlined.
    external: ['better-sqlite3'],
    logLevel: 'warn',
    output: {
      dir: AGENT_DIST,
      format: 'esm',
      entryFileNames: 'perimeter-agent.js',
      chunkFileNames: 'chunk-[name]-[hash].js',
      // Readable stack traces on the node, not the smallest file: minifying saves ~1 MiB of RSS.
      minify: false,
    },
  });
  return {
    files: output.output.map((file) => ({
      name: file.fileName,
      bytes: file.type === 'chunk' ? Buffer.byteLength(file.code) : Buffer.byteLength(file.source),
    })),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      'usage: node scripts/build-agent.ts [--quiet]\nwrites packages/agent/dist/ (perimeter-agent.js and its lazy chunks)',
    );
    process.exit(0);
  }
  const started = performance.now();
  const { files } = await buildAgent();
  if (!values.quiet) {
    for (const file of files) {
      console.log(
        `${relative(repoRoot, join(AGENT_DIST, file.name))}  ${(file.bytes / 1024).toFixed(0)} KiB`,
      );
    }
    console.log(`built in ${(performance.now() - started).toFixed(0)} ms`);
  }
}
