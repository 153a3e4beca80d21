import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MetricNames, ResourceAttributeNames } from '@perimeter/schema';
import { decodeLogsRequest, decodeMetricsRequest } from '../otlp/decode-otlp.ts';
import { InvalidField } from '../otlp/otlp-values.ts';
import type { DecodedRequest } from '../otlp/types.ts';
import { findSeqGaps, type SeqArrival } from './seq-gaps.ts';
import { limitKeyOf } from './thresholds.ts';
import type {
  IntegrityProblem,
  ReplayEvent,
  ReplayInput,
  ReplayProgress,
  ReplaySample,
  ReplayWindow,
  SeriesRef,
} from './types.ts';

/**
 * Replay without a collector, from OTLP JSON: the file sink's `perimeter-otlp*.jsonl` (one
 * ExportMetricsServiceRequest / ExportLogsServiceRequest per line) or an S3 sync of an OTel
 * gateway's awss3 `otlp_json` output (`*.json`, optionally `.gz`), in any folder depth. The
 * archive carries no hash chain, so integrity here is what an archive can show: every line parses
 * as an OTLP request (a line that does not is corrupt; one at the end of a file with no final
 * newline is a file cut mid-line), and `perimeter.batch.seq` runs without holes per stream.
 */
export interface ArchiveReplayOptions {
  dir: string;
  nodeId: string;
  window: ReplayWindow;
  nowMs: () => number;
  onProgress?: (progress: ReplayProgress) => void;
  progressEveryMs?: number;
}

const MAX_PROBLEMS = 50;
const ARCHIVE_FILE = /\.(jsonl|json|ndjson)(\.gz)?$/;

export function listArchiveFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile() && ARCHIVE_FILE.test(entry.name)) {
        files.push(path);
      }
    }
  };
  walk(dir);
  // Rotated file-sink files sort by time; the current file (no time in its name) is the newest.
  return files.sort((a, b) => a.localeCompare(b));
}

export function readReplayFromArchive(options: ArchiveReplayOptions): ReplayInput {
  const { nodeId, window } = options;
  const files = listArchiveFiles(options.dir);
  const totalBytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  const problems: IntegrityProblem[] = [];
  let moreProblems = 0;
  const report = (at: string, what: string) => {
    if (problems.length < MAX_PROBLEMS) {
      problems.push({ at, streamId: null, seq: null, what });
    } else {
      moreProblems++;
    }
  };
  const events: ReplayEvent[] = [];
  const samples: ReplaySample[] = [];
  const limitsBefore = new Map<string, number>();
  const limitTimes = new Map<string, number>();
  const dataTimes: number[] = [];
  const eventTimes: number[] = [];
  const seqs: SeqArrival[] = [];
  let lines = 0;
  let readBytes = 0;
  let lastProgressMs = options.nowMs();

  for (const file of files) {
    const name = relative(options.dir, file);
    let bytes: Buffer;
    try {
      const raw = readFileSync(file);
      bytes = file.endsWith('.gz') ? gunzipSync(raw) : raw;
    } catch (error) {
      report(name, `cannot read or decompress (${(error as Error).message}): truncated or corrupt`);
      continue;
    }
    const text = bytes.toString('utf8');
    const fileLines = text.split('\n');
    const endsWithNewline = text.endsWith('\n');
    if (endsWithNewline) {
      fileLines.pop();
    }
    fileLines.forEach((line, index) => {
      const at = `${name}:${index + 1}`;
      const last = index === fileLines.length - 1;
      if (line.trim() === '') {
        return;
      }
      lines++;
      let request: DecodedRequest;
      try {
        request = decodeLine(line);
      } catch (error) {
        report(
          at,
          last && !endsWithNewline && error instanceof SyntaxError
            ? `file cut mid-line: the last line (${line.length} bytes) has no newline and does not parse`
            : `corrupt line: ${(error as Error).message}`,
        );
        return;
      }
      if (last && !endsWithNewline && name.endsWith('.jsonl')) {
        report(at, 'file ends without a newline: the last line parses but the file may have been cut');
      }
      for (const resource of request.resources) {
        if (resource.attributes[ResourceAttributeNames.nodeId] !== nodeId) {
          continue;
        }
        let dataTime = Number.NEGATIVE_INFINITY;
        for (const point of resource.points) {
          const series: SeriesRef = {
            metric: point.metric,
            unit: point.unit,
            attributes: Object.fromEntries(point.attributes),
          };
          dataTime = Math.max(dataTime, point.timeMs);
          if (point.timeMs >= window.fromMs && point.timeMs <= window.toMs) {
            samples.push({ series, tsMs: point.timeMs, value: point.value });
          } else if (point.metric === MetricNames.hwTemperatureLimit && point.timeMs < window.fromMs) {
            const key = limitKeyOf(series);
            if (point.timeMs >= (limitTimes.get(key) ?? Number.NEGATIVE_INFINITY)) {
              limitTimes.set(key, point.timeMs);
              limitsBefore.set(key, point.value);
            }
          }
        }
        if (resource.points.length > 0) {
          dataTimes.push(dataTime);
        }
        for (const event of resource.events) {
          dataTime = Math.max(dataTime, event.timeMs);
          eventTimes.push(event.timeMs);
          if (event.timeMs >= window.fromMs && event.timeMs <= window.toMs) {
            events.push({
              timeMs: event.timeMs,
              name: event.eventName,
              severity: event.severity,
              body: event.body,
              attributes: event.attributes,
              source: at,
            });
          }
        }
        const seq = resource.attributes[ResourceAttributeNames.batchSeq];
        const stream = resource.attributes[ResourceAttributeNames.streamId];
        if (typeof seq === 'number' && typeof stream === 'string' && Number.isFinite(dataTime)) {
          seqs.push({ streamId: stream, seq, timeMs: dataTime });
        }
      }
    });
    readBytes += statSync(file).size;
    const now = options.nowMs();
    if (options.onProgress && now - lastProgressMs >= (options.progressEveryMs ?? 2000)) {
      lastProgressMs = now;
      options.onProgress({ verified: readBytes, total: totalBytes, unit: 'bytes' });
    }
  }

  const seqGaps = findSeqGaps(seqs, { leadingHolesExplained: false });
  const first = problems[0];
  const gapText = seqGaps.length === 0 ? '' : `; ${seqGaps.length} sequence gap(s), see GAP rows`;
  return {
    nodeId,
    window,
    events,
    samples,
    limitsBefore,
    activityMs: dataTimes.length > 0 ? dataTimes : eventTimes,
    lastReceivedMs: null,
    seqGaps,
    integrity: {
      source: 'archive',
      ok: first === undefined,
      checked: lines,
      summary:
        first === undefined
          ? `archive readable: ${lines} lines in ${files.length} files parse as OTLP, none truncated or corrupt (an archive carries no hash chain)${gapText}`
          : `BROKEN at ${first.at}: ${first.what}${problems.length + moreProblems > 1 ? ` (+${problems.length + moreProblems - 1} more)` : ''}${gapText}`,
      problems,
      moreProblems,
      pruned: [],
    },
  };
}

function decodeLine(line: string): DecodedRequest {
  const message = JSON.parse(line) as Record<string, unknown>;
  if (message === null || typeof message !== 'object') {
    throw new InvalidField('(line)', 'is not a JSON object');
  }
  if ('resourceMetrics' in message) {
    return decodeMetricsRequest(message, 0);
  }
  if ('resourceLogs' in message) {
    return decodeLogsRequest(message, 0);
  }
  throw new InvalidField(
    '(line)',
    'is neither an ExportMetricsServiceRequest nor an ExportLogsServiceRequest',
  );
}
