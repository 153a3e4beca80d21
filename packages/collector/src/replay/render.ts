import type { IntegrityVerdict, Timeline, TimelineRow } from './types.ts';

/**
 * The replay's three faces: `table` for a terminal, `md` for a report or a ticket, `jsonl` (and the
 * API's JSON) for tools. All show the same rows; times are UTC RFC 3339. Markers: `!` a threshold
 * breach, `>` within the minutes before a silence.
 */
export type ReplayFormat = 'table' | 'jsonl' | 'md';
export const REPLAY_FORMATS: readonly ReplayFormat[] = ['table', 'jsonl', 'md'];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  }
  return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

/** One row as JSON: times as RFC 3339 strings, the row kind as `type`. */
export function rowToJson(row: TimelineRow): Record<string, unknown> {
  const { kind, timeMs, ...rest } = row;
  const out: Record<string, unknown> = { type: kind, time: iso(timeMs) };
  for (const [key, value] of Object.entries(rest)) {
    if (key === 'endMs' || key === 'receivedAtMs') {
      out[key === 'endMs' ? 'end' : 'receivedAt'] = iso(value as number | null);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function timelineToJson(timeline: Timeline): Record<string, unknown> {
  return {
    ...timelineHeader(timeline),
    integrity: timeline.integrity,
    counts: timeline.counts,
    rows: timeline.rows.map(rowToJson),
  };
}

function timelineHeader(timeline: Timeline): Record<string, unknown> {
  return {
    node: timeline.nodeId,
    from: iso(timeline.fromMs),
    to: iso(timeline.toMs),
    intervalMs: timeline.intervalMs,
    usualIntervalMs: timeline.usualIntervalMs,
    lastSeen: iso(timeline.lastSeenMs),
    ...checkpointHeader(timeline.integrity),
  };
}

/** The signed checkpoint the store was verified against, as the header names it (store replays only). */
function checkpointHeader(integrity: IntegrityVerdict): Record<string, unknown> {
  const standing = integrity.checkpoint;
  if (standing === undefined) {
    return {};
  }
  const c = standing.checkpoint;
  return {
    checkpoint: {
      line: standing.line,
      ok: standing.ok,
      ...(c === null ? {} : { seq: c.seq, at: iso(c.atMs), keyId: c.keyId, hash: c.hash, origin: c.origin }),
    },
  };
}

/** JSON lines: a `replay` header, one line per row, an `integrity` line last. */
export function renderJsonLines(timeline: Timeline): string {
  const lines = [JSON.stringify({ type: 'replay', ...timelineHeader(timeline), counts: timeline.counts })];
  for (const row of timeline.rows) {
    lines.push(JSON.stringify(rowToJson(row)));
  }
  lines.push(JSON.stringify({ type: 'integrity', ...timeline.integrity }));
  return `${lines.join('\n')}\n`;
}

function attributesText(attributes: Record<string, unknown>, skip: readonly string[] = []): string {
  return Object.entries(attributes)
    .filter(([key]) => !skip.includes(key))
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

const num = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

/** [marker, kind, what, detail] of one row. */
function describeRow(row: TimelineRow): [string, string, string, string] {
  switch (row.kind) {
    case 'event':
      return [
        row.beforeSilence ? '>' : '',
        'EVENT',
        row.name ?? '(unnamed)',
        [
          row.body ?? '',
          attributesText(row.attributes, ['event.name']),
          row.severity === null ? '' : `severity=${row.severity}`,
        ]
          .filter((part) => part !== '')
          .join(' '),
      ];
    case 'metric': {
      const labels = attributesText(row.attributes);
      const breach =
        row.breach === null
          ? ''
          : ` ${row.breach.level.toUpperCase()} (threshold ${num(row.breach.threshold)}: ${row.breach.rule})`;
      return [
        `${row.breach ? '!' : ''}${row.beforeSilence ? '>' : ''}`,
        'METRIC',
        labels === '' ? row.metric : `${row.metric}{${labels}}`,
        `min ${num(row.min)} max ${num(row.max)} last ${num(row.last)} ${row.unit} (n=${row.count})${breach}`,
      ];
    }
    case 'gap':
      return [
        '',
        'GAP',
        `seq ${row.fromSeq}-${row.toSeq} of stream ${row.streamId} (${row.missing} missing)`,
        `${row.cause}${row.endMs === null ? '' : `; data resumes at ${iso(row.endMs)}`}`,
      ];
    case 'silence':
      return [
        '',
        'SILENCE',
        `${formatDuration(row.durationMs)} until ${iso(row.endMs)}${row.ongoing ? ' (ongoing)' : ''}`,
        row.cause,
      ];
    case 'last-seen':
      return [
        '',
        'LAST-SEEN',
        'last data from the node',
        row.receivedAtMs === null ? '' : `last batch received ${iso(row.receivedAtMs)}`,
      ];
    case 'pruned':
      return [
        '',
        'PRUNED',
        `batches ${row.fromBatchId}-${row.toBatchId} (${row.batchCount}) until ${iso(row.endMs)}`,
        `${row.reason}: ${row.linkVerified ? 'pruned (verified link)' : 'pruned, link BROKEN'}`,
      ];
  }
}

function summaryLines(timeline: Timeline): string[] {
  const { counts } = timeline;
  return [
    `node ${timeline.nodeId}, ${iso(timeline.fromMs)} to ${iso(timeline.toMs)}; metrics summarised per ${formatDuration(timeline.intervalMs)}${timeline.usualIntervalMs === null ? '' : `; usual interval ${formatDuration(timeline.usualIntervalMs)}`}`,
    `last seen: ${timeline.lastSeenMs === null ? 'never' : iso(timeline.lastSeenMs)}`,
    `${counts.events} events, ${counts.metricRows} metric rows (${counts.breaches} breaching), ${counts.gaps} sequence gaps, ${counts.silences} silences`,
    `integrity: ${timeline.integrity.summary}`,
    ...(timeline.integrity.checkpoint === undefined
      ? []
      : [`checkpoint: ${timeline.integrity.checkpoint.line}`]),
  ];
}

function problemLines(integrity: IntegrityVerdict): string[] {
  return [
    ...integrity.problems.map(
      (problem) =>
        `${problem.at}${problem.seq === null ? '' : ` (seq ${problem.seq} of stream ${problem.streamId})`}: ${problem.what}`,
    ),
    ...(integrity.checkpoint?.problems ?? []).map((problem) => `${problem.where}: ${problem.what}`),
  ];
}

export function renderTable(timeline: Timeline): string {
  const described = timeline.rows.map((row) => [iso(row.timeMs) as string, ...describeRow(row)] as const);
  const whatWidth = Math.min(60, Math.max(4, ...described.map((row) => row[3].length)));
  const lines = summaryLines(timeline);
  lines.push('');
  lines.push(`${'TIME'.padEnd(25)}${''.padEnd(3)}${'KIND'.padEnd(10)}${'WHAT'.padEnd(whatWidth + 2)}DETAIL`);
  for (const [time, marker, kind, what, detail] of described) {
    lines.push(
      `${time.padEnd(25)}${marker.padEnd(3)}${kind.padEnd(10)}${`${what}  `.padEnd(whatWidth + 2)}${detail}`.trimEnd(),
    );
  }
  if (!timeline.integrity.ok) {
    lines.push('', 'INTEGRITY PROBLEMS:', ...problemLines(timeline.integrity).map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(timeline: Timeline): string {
  const lines = [
    `# Replay of ${cell(timeline.nodeId)}`,
    '',
    ...summaryLines(timeline).map((line) => `- ${cell(line)}`),
    '',
  ];
  if (!timeline.integrity.ok) {
    lines.push(
      '## Integrity problems',
      '',
      ...problemLines(timeline.integrity).map((line) => `- ${cell(line)}`),
      '',
    );
  }
  lines.push('## Timeline', '', '| time (UTC) | flag | kind | what | detail |', '|---|---|---|---|---|');
  for (const row of timeline.rows) {
    const [marker, kind, what, detail] = describeRow(row);
    const flag = [marker.includes('!') ? 'breach' : '', marker.includes('>') ? 'before silence' : '']
      .filter((part) => part !== '')
      .join(', ');
    const strong = kind === 'GAP' || kind === 'SILENCE' || kind === 'LAST-SEEN';
    lines.push(
      `| ${iso(row.timeMs)} | ${flag} | ${strong ? `**${kind}**` : kind} | ${cell(what)} | ${cell(detail)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderTimeline(timeline: Timeline, format: ReplayFormat): string {
  switch (format) {
    case 'jsonl':
      return renderJsonLines(timeline);
    case 'md':
      return renderMarkdown(timeline);
    default:
      return renderTable(timeline);
  }
}
