import type { CommandResult } from '../host/run-command.ts';
import { MACMON_INSTALL_HINT } from '../samplers/macos/macmon.ts';
import type { MetricReading, SampleResult, Sampler, SamplerContext } from '../samplers/types.ts';
import type { SampleRound } from '../telemetry/sample-round.ts';

export type { ProbeReport, ProbeRow, ProbeStatus } from './probe-catalogue.ts';

import type { FetchResult } from '../host/fetch-text.ts';
import {
  EXPECTED,
  type Expected,
  type ProbeReport,
  type ProbeRow,
  type ProbeStatus,
  ROOT_ONLY,
  ROOTISH,
  type Source,
} from './probe-catalogue.ts';
import {
  argvKey,
  createRecording,
  type Recording,
  recordingFetchText,
  recordingFsRoot,
  recordingRunCommand,
} from './recording.ts';

/**
 * `perimeter-agent probe`: one real round, then per sampler × reading whether this host has it and
 * where it comes from, for the person setting up a node ("why no fan speed on my Mac?"). Each
 * sampler gets its own recording view of the world, so a row names the command or path that
 * answered (or did not). One row per reading: a missing reading is stated once, never crashed on.
 */

export interface ProbeRun {
  contextFor<Context extends SamplerContext>(name: string, context: Context): Context;
  wrap(samplers: Sampler[]): Sampler[];
  report(round: SampleRound, platform: NodeJS.Platform): ProbeReport;
}

export function createProbe(): ProbeRun {
  const seen = new Map<string, Recording>();
  const results = new Map<string, SampleResult>();
  return {
    contextFor(name, context) {
      const recording = createRecording();
      seen.set(name, recording);
      return {
        ...context,
        runCommand: recordingRunCommand(context.runCommand, recording),
        fs: recordingFsRoot(context.fs, recording),
        ...(context.fetchText === undefined
          ? {}
          : { fetchText: recordingFetchText(context.fetchText, recording) }),
      };
    },
    wrap: (samplers) =>
      samplers.map((s) => ({
        name: s.name,
        async collect() {
          const result = await s.collect();
          results.set(s.name, result);
          return result;
        },
      })),
    report(round, platform) {
      const rows: ProbeRow[] = [];
      for (const outcome of round.outcomes) {
        const result = results.get(outcome.name);
        const readings = result?.status === 'ok' ? result.readings : [];
        const recording = seen.get(outcome.name) ?? createRecording();
        const expected = (EXPECTED[platform] ?? []).filter((e) => e.sampler === outcome.name);
        const fallback = outcome.status === 'not-available-here' ? 'not on this host' : outcome.status;
        const sampled = (
          outcome.reason?.startsWith('not replayable') ? 'not in capture' : fallback
        ) as ProbeStatus;
        for (const e of expected) rows.push(expectedRow(e, readings, recording, sampled, outcome.reason));
        const covered = new Set(expected.map((e) => e.metric));
        const others = [...new Set(readings.map((r) => r.metric))].filter((m) => !covered.has(m));
        for (const metric of others) {
          const count = readings.filter((r) => r.metric === metric).length;
          rows.push({
            sampler: outcome.name,
            reading: metric,
            status: 'available',
            source: sourcesOf(outcome.name, recording),
            reason: `${count} seen`,
          });
        }
        if (expected.length === 0 && others.length === 0) {
          const status = outcome.status === 'ok' ? 'not on this host' : sampled;
          rows.push({
            sampler: outcome.name,
            reading: '*',
            status,
            source: sourcesOf(outcome.name, recording),
            reason: outcome.reason ?? 'no readings',
          });
        }
      }
      rows.push(...(ROOT_ONLY[platform] ?? []));
      const fans = rows.find((r) => r.sampler === 'fans');
      const hints =
        platform === 'darwin' && fans !== undefined && fans.status !== 'available'
          ? [
              `fan speed on a Mac: ${MACMON_INSTALL_HINT}, then run probe again (powermetrics has no fan data on Apple silicon)`,
            ]
          : [];
      return { platform, rows, hints };
    },
  };
}

function expectedRow(
  e: Expected,
  readings: MetricReading[],
  rec: Recording,
  sampled: ProbeStatus,
  why?: string,
): ProbeRow {
  const row = { sampler: e.sampler, reading: e.metric };
  const count = readings.filter((r) => r.metric === e.metric).length;
  return { ...row, ...sourceVerdict(e.source, count, rec, sampled, why) };
}

type Verdict = Omit<ProbeRow, 'sampler' | 'reading'>;

function sourceVerdict(
  source: Source,
  count: number,
  rec: Recording,
  sampled: ProbeStatus,
  why?: string,
): Verdict {
  if ('anyOf' in source) return firstAnswering(source.anyOf, count, rec, sampled, why);
  if ('http' in source) {
    const [url, answer] = [...rec.http][0] ?? [];
    const label = url === undefined ? source.http : `${source.http} ${url}`;
    if (answer === undefined) return { status: sampled, source: label, reason: why ?? 'not read' };
    if (answer.status === 'ok' && count > 0)
      return { status: 'available', source: label, reason: `${count} seen` };
    return { source: label, ...httpVerdict(answer) };
  }
  if ('argv' in source) {
    const label = source.argv.join(' ');
    const ran = rec.commands.get(argvKey(source.argv))?.result;
    if (ran === undefined) return { status: sampled, source: label, reason: why ?? 'not run' };
    if (ran.status === 'ok' && count > 0)
      return { status: 'available', source: label, reason: `${count} seen` };
    return { source: label, ...commandVerdict(ran, why) };
  }
  return dirVerdict(source, count, rec, sampled);
}

/**
 * A reading with alternatives came from the first one that answered; when none did, every
 * alternative's reason is given, and the row needs root only if nothing else could have served.
 */
function firstAnswering(
  sources: readonly Source[],
  count: number,
  rec: Recording,
  sampled: ProbeStatus,
  why?: string,
): Verdict {
  const verdicts = sources.map((s) => sourceVerdict(s, count, rec, sampled, why));
  const answered = verdicts.find((v) => v.status === 'available');
  if (answered) return answered;
  const tried = verdicts.filter((v) => v.reason !== 'not run' && v.reason !== 'not read');
  if (tried.length === 0)
    return { status: sampled, source: verdicts[0]?.source ?? '-', reason: why ?? 'not run' };
  const status: ProbeStatus = tried.some((v) => v.status === 'error')
    ? 'error'
    : tried.every((v) => v.status === 'needs root')
      ? 'needs root'
      : 'not on this host';
  return {
    status,
    source: tried.map((v) => v.source.split(' ')[0]).join(' | '),
    reason: tried.map((v) => v.reason).join('; '),
  };
}

function httpVerdict(answer: FetchResult): { status: ProbeStatus; reason: string } {
  switch (answer.status) {
    case 'unreachable':
      return { status: 'not on this host', reason: `not running (${answer.reason})` };
    case 'http-error':
      return answer.code === 503
        ? { status: 'not on this host', reason: 'running, no sample yet (503)' }
        : { status: 'error', reason: `HTTP ${answer.code}` };
    case 'timeout':
      return { status: 'error', reason: `timed out after ${answer.afterMs} ms` };
    case 'ok':
      return { status: 'not on this host', reason: 'answered, but gave no such reading' };
  }
}

function dirVerdict(
  source: { dir: string; evidence: RegExp },
  count: number,
  rec: Recording,
  sampled: ProbeStatus,
): Verdict {
  const { dir, evidence } = source;
  const found = [...rec.files].some(([path, a]) => evidence.test(path) && 'value' in a && a.value !== null);
  if (found && count > 0) return { status: 'available', source: dir, reason: `${count} seen` };
  const listing = rec.dirs.get(dir);
  const reason =
    listing === undefined || ('value' in listing && listing.value === null)
      ? `${dir} absent`
      : `nothing readable under ${dir}`;
  return { status: sampled === 'error' ? 'error' : 'not on this host', source: dir, reason };
}

function commandVerdict(ran: CommandResult, why?: string): { status: ProbeStatus; reason: string } {
  switch (ran.status) {
    case 'not-found':
      return {
        status: 'not on this host',
        reason:
          ran.command === 'macmon'
            ? `macmon not installed: ${MACMON_INSTALL_HINT}`
            : `${ran.command} not installed`,
      };
    case 'timeout':
      return { status: 'error', reason: `timed out after ${ran.afterMs} ms` };
    case 'failed': {
      const line =
        ran.stderr
          .split('\n')
          .find((l) => l.trim() !== '')
          ?.trim() ?? `exit ${ran.exitCode}`;
      return { status: ROOTISH.test(line) ? 'needs root' : 'error', reason: line };
    }
    case 'ok':
      return { status: 'not on this host', reason: why ?? 'ran, but gave no such reading' };
  }
}

function sourcesOf(sampler: string, rec: Recording): string {
  if (sampler === 'system') return 'systeminformation';
  const commands = [...rec.commands.values()].map((c) => c.argv.join(' '));
  const dirs = [...new Set([...rec.dirs.keys()].map((p) => p.split('/').slice(0, 4).join('/')))];
  return [...commands, ...dirs].join(', ') || '-';
}

export function formatProbe(report: ProbeReport, json: boolean): string {
  if (json) return `${JSON.stringify(report, null, 2)}\n`;
  const head: ProbeRow = {
    sampler: 'SAMPLER',
    reading: 'READING',
    status: 'STATUS' as ProbeStatus,
    source: 'SOURCE',
    reason: 'REASON',
  };
  const short = (text: string) => (text.length > 48 ? `${text.slice(0, 47)}…` : text);
  const table = [head, ...report.rows.map((r) => ({ ...r, source: short(r.source) }))];
  const keys = ['sampler', 'reading', 'status', 'source'] as const;
  const widths = keys.map((k) => Math.max(...table.map((r) => r[k].length)));
  const lines = table.map((r) =>
    [...keys.map((k, i) => r[k].padEnd(widths[i] ?? 0)), r.reason].join('  ').trimEnd(),
  );
  return `${[`# probe (${report.platform})`, ...lines, ...report.hints.map((h) => `hint: ${h}`)].join('\n')}\n`;
}
