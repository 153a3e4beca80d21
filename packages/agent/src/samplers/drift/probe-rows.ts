import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeRow } from '../../capture/probe-catalogue.ts';
import type { DriftCheck } from './check.ts';
import { allDriftChecks, checksForPlatform } from './checks/index.ts';
import { type ReadDeps, type RootOutputFile, rootOutputPath, rootOutputProblem } from './read-source.ts';

/**
 * `probe` rows for the drift checks a non-root agent answers from a root launchd job's file
 * (docs/least-privilege.md): the file, and whether it stands for the command now, by the same
 * verdict the checks use (rootOutputProblem). A round alone would show only the gauges that exist.
 */
export function driftProbeRows(options: {
  root: string;
  platform: NodeJS.Platform;
  isRoot: boolean;
  privilegedOutputs: ReadDeps['privilegedOutputs'];
  nowMs: number;
  checks?: readonly DriftCheck[];
}): ProbeRow[] {
  return checksForPlatform(options.checks ?? allDriftChecks, options.platform).flatMap((check) => {
    if (typeof check.reads === 'function' || check.reads.kind !== 'root-output') return [];
    const job = check.reads.job;
    const row = { sampler: 'drift', reading: check.id };
    if (options.isRoot) {
      return [{ ...row, status: 'available' as const, source: job.argv.join(' '), reason: 'run as root' }];
    }
    const file = readFileNow(options.root, rootOutputPath(job, options.privilegedOutputs));
    const problem = rootOutputProblem(job, file, options.nowMs);
    const missing = file.denied !== undefined || file.mtimeMs === null;
    return [
      {
        ...row,
        status: problem === null ? 'available' : missing ? 'needs root' : 'error',
        source: file.path,
        reason: problem ?? `root launchd job ${job.label}`,
      },
    ];
  });
}

function readFileNow(root: string, path: string): RootOutputFile {
  try {
    const host = join(root, path);
    return { path, mtimeMs: lstatSync(host).mtimeMs, text: readFileSync(host, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EACCES' || code === 'EPERM')
      return { path, mtimeMs: null, text: null, denied: String(error) };
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path, mtimeMs: null, text: null };
    throw error;
  }
}
