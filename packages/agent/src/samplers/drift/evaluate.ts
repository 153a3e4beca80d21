import type { SamplerContext } from '../types.ts';
import type { DriftBaseline } from './baseline.ts';
import {
  CheckNotApplicable,
  type CheckOutcome,
  CheckParseError,
  type DriftCheck,
  type Expectation,
  isNotConfigured,
} from './check.ts';
import { checksForPlatform } from './checks/index.ts';
import { describeExpectation, judge, normalizeExpectation } from './expectation.ts';
import type { HostProbe } from './host-probe.ts';
import { readSource } from './read-source.ts';
import type { SocketOwnerCache } from './socket-owners.ts';

/**
 * Runs checks against one host and judges them. The order of decisions is the contract: a check
 * the baseline disables, lacks params for, or that needs root the agent does not have (and no root
 * job's file to read instead) is `skipped` before anything runs; a read that cannot be made is `skipped` (absent) or `error`
 * (broken); only a parsed value compared with the expectation can `pass` or `fail`.
 */

export interface RunChecksOptions {
  isRoot: boolean;
  /** The agent's uid (`agent.user`); defaults to 0 when isRoot, else -1 (unknown non-root). */
  uid?: number;
  probe?: HostProbe | undefined;
  /** Per command (default 10 s). */
  timeoutMs?: number;
  /** Checks read at once (default 4). */
  concurrency?: number;
  /** Privileged job label → its output file, where config moved it (`drift.remoteLoginFile`…). */
  privilegedOutputs?: Readonly<Record<string, string>> | undefined;
  /** The last round's /proc fd walk, so an unchanged set of listeners is confirmed, not walked again. */
  socketOwners?: SocketOwnerCache | undefined;
}

export async function runChecks(
  checks: readonly DriftCheck[],
  context: SamplerContext,
  baseline: DriftBaseline,
  options: RunChecksOptions,
): Promise<CheckOutcome[]> {
  const selected = checksForPlatform(checks, context.platform);
  const deps = {
    runCommand: context.runCommand,
    fs: context.fs,
    clock: context.clock,
    probe: options.probe,
    uid: options.uid ?? (options.isRoot ? 0 : -1),
    isRoot: options.isRoot,
    timeoutMs: options.timeoutMs ?? 10_000,
    privilegedOutputs: options.privilegedOutputs,
    socketOwners: options.socketOwners,
  };
  const outcomes: CheckOutcome[] = new Array(selected.length);
  let next = 0;
  const worker = async () => {
    while (next < selected.length) {
      const index = next++;
      const check = selected[index]!;
      outcomes[index] = await runCheck(check, baseline, deps);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, selected.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

async function runCheck(
  check: DriftCheck,
  baseline: DriftBaseline,
  deps: Parameters<typeof readSource>[1],
): Promise<CheckOutcome> {
  const entry = baseline.checks[check.id];
  const expectation: Expectation | { notConfigured: string } =
    entry?.expect !== undefined
      ? normalizeExpectation(entry.expect)
      : typeof check.expect === 'function'
        ? check.expect(baseline.params)
        : check.expect;
  const expected = isNotConfigured(expectation)
    ? `not configured (${expectation.notConfigured})`
    : describeExpectation(expectation);
  const skipped = (reason: string, observed: string | null = null): CheckOutcome => ({
    id: check.id,
    status: 'skipped',
    observed,
    expected,
    reason,
  });
  if (entry?.enabled === false) return skipped('disabled in baseline');
  const source = typeof check.reads === 'function' ? check.reads(baseline.params) : check.reads;
  if (isNotConfigured(source)) return skipped(`not configured: ${source.notConfigured}`);
  // A root-output read has its own answer without root: the root job's file, or why not.
  if (check.needsRoot && !deps.isRoot && source.kind !== 'root-output') return skipped('needs root');

  const read = await readSource(source, deps);
  if (!read.ok) return { id: check.id, status: read.status, observed: null, expected, reason: read.reason };
  let observed: string;
  try {
    observed = check.parse(read.raw);
  } catch (error) {
    if (error instanceof CheckNotApplicable) return skipped(error.message);
    const message = error instanceof Error ? error.message : String(error);
    const reason = error instanceof CheckParseError ? `unreadable output: ${message}` : message;
    return { id: check.id, status: 'error', observed: null, expected, reason };
  }
  if (isNotConfigured(expectation)) return skipped(`not configured: ${expectation.notConfigured}`, observed);
  const verdict = judge(expectation, observed);
  if (verdict.pass) return { id: check.id, status: 'pass', observed, expected };
  return {
    id: check.id,
    status: 'fail',
    observed,
    expected,
    ...(verdict.why === undefined ? {} : { reason: verdict.why }),
  };
}
