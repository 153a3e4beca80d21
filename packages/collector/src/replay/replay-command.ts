import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ExitCodes, UsageError } from '@perimeter/schema';
import { bindRelativeTimes, type CliIo, dataDirArg, requireStore, timeWindowArgs } from '../cli-args.ts';
import { readCheckpointFiles } from '../integrity/checkpoint-files.ts';
import { openStoreFile } from '../store/store-file.ts';
import { REPLAY_FORMATS, type ReplayFormat, renderTimeline } from './render.ts';
import {
  MAX_WINDOW_MS,
  NODE_ID_PATTERN,
  type ReplayOutcome,
  replayFromArchive,
  replayFromStore,
  splitNames,
} from './replay.ts';
import type { ReplayProgress } from './types.ts';

/** `perimeter-collector replay`: a node's timeline with gaps, silences and the integrity verdict. */
export const REPLAY_USAGE = `perimeter-collector replay --node ID --from T --to T [options]

Replays what one node did over a window: its events verbatim, its metrics summarised per interval
(min/max/last per series; 1 min for windows up to 6 h) with threshold breaches flagged (!), GAP rows
for sequence gaps (data lost on the node or in transit), SILENCE rows (no data for more than 3x the
node's usual interval: down or sending nothing), its last-seen time, and the minutes before each
silence flagged (>). Then the integrity verdict: the node's hash chain is recomputed over all its
stored batches ("chain holds over N batches" or "BROKEN at batch ID ..."); ranges the forward quota
pruned are shown as "pruned (verified link)". From the store, the verdict also names the signed
checkpoint the store was verified against ("verified against checkpoint #N (time, key ...)", by the
verifier \`verify\` runs) or says there is none: a chain without a signature does not protect
against someone who can write the store.

Options:
  --node ID            the node (perimeter.node.id)
  --from T, --to T     RFC 3339 (2026-11-23T06:00:00Z), "now", or relative (-1h, -7d)
  --format F           table (default) | jsonl | md
  --events-only        events, gaps and silences; no metric rows
  --event NAME         only these events (repeat or comma-separate), e.g. auth.login
  --metric NAME        only these metrics (repeat or comma-separate), e.g. hw.temperature
  --data-dir DIR       the collector's data directory (default ./.perimeter/collector); read only,
                       safe while the collector runs
  --archive DIR        replay from an OTLP JSON-lines archive instead (the file sink's directory or an
                       S3 sync of the gateway's otlp_json output); integrity = truncated/corrupt lines
  --checkpoint FILE    verify the store against this off-box signed checkpoint (repeatable; the
                       newest counts) instead of the store's own newest, as verify --checkpoint
  -h, --help           this text

Every flag also reads PERIMETER_<FLAG> (PERIMETER_DATA_DIR, PERIMETER_ARCHIVE, …).
Progress goes to stderr every 2 s on long replays.
Exit status: 0 ok, 2 usage error, 3 integrity broken, 1 anything else (e.g. unknown node).`;

export function runReplayCommand(args: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: bindRelativeTimes(args),
    options: {
      node: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      'events-only': { type: 'boolean' },
      event: { type: 'string', multiple: true },
      metric: { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      archive: { type: 'string' },
      checkpoint: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${REPLAY_USAGE}\n`);
    return ExitCodes.ok;
  }
  const env = io.env;
  const nodeId = values.node ?? env.PERIMETER_NODE;
  if (nodeId === undefined || !NODE_ID_PATTERN.test(nodeId)) {
    throw new UsageError('replay needs --node ID (letters, digits, ".", "_", "-"); see replay --help');
  }
  const { fromMs, toMs } = timeWindowArgs({
    command: 'replay',
    example: '-1h',
    from: values.from,
    to: values.to,
    env,
    nowMs: io.nowMs(),
  });
  if (toMs - fromMs > MAX_WINDOW_MS) {
    throw new UsageError('--from to --to spans more than 400 days; replay a shorter window');
  }
  const format = (values.format ?? env.PERIMETER_FORMAT ?? 'table') as ReplayFormat;
  if (!REPLAY_FORMATS.includes(format)) {
    throw new UsageError(`--format must be table, jsonl or md, not "${format}"`);
  }
  const archive = values.archive ?? env.PERIMETER_ARCHIVE;
  if (archive !== undefined && values.checkpoint !== undefined) {
    throw new UsageError('--checkpoint verifies a store; it does not apply to --archive');
  }
  const request = {
    nodeId,
    window: { fromMs, toMs },
    filters: {
      eventsOnly: values['events-only'] ?? false,
      events: splitNames(values.event),
      metrics: splitNames(values.metric),
    },
    nowMs: io.nowMs,
    given: readCheckpointFiles(values.checkpoint ?? []),
    onProgress: (progress: ReplayProgress) => {
      const share = progress.total > 0 ? ` (${Math.floor((100 * progress.verified) / progress.total)}%)` : '';
      io.stderr.write(
        `replay: ${progress.unit === 'batches' ? 'verified' : 'read'} ${progress.verified} of ~${progress.total} ${progress.unit}${share}\n`,
      );
    },
  };

  let outcome: ReplayOutcome;
  if (archive !== undefined) {
    if (!existsSync(archive) || !statSync(archive).isDirectory()) {
      throw new UsageError(`--archive ${archive} is not a directory`);
    }
    outcome = replayFromArchive(archive, request);
  } else {
    const dataDir = dataDirArg(values['data-dir'], env);
    requireStore(dataDir, 'see --data-dir, or use --archive DIR');
    const store = openStoreFile({ dataDir, readonly: true });
    try {
      outcome = replayFromStore(store, request);
    } finally {
      store.close();
    }
  }
  if (outcome.kind === 'unknown-node') {
    io.stderr.write(`perimeter-collector: node "${outcome.nodeId}" has never sent a batch to this store\n`);
    return ExitCodes.failure;
  }
  io.stdout.write(renderTimeline(outcome.timeline, format));
  return outcome.timeline.integrity.ok ? ExitCodes.ok : ExitCodes.integrityBroken;
}
