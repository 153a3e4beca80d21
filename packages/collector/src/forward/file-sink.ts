import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorConfig } from '@perimeter/schema';
import { toJsonText } from '../otlp/otlp-transcode.ts';
import { batchAttributes } from './batch-attributes.ts';
import type { SendOutcome, Sink, StoredBatch } from './types.ts';

/**
 * OTLP JSON lines, as the OpenTelemetry Collector's file exporter writes them: one
 * ExportMetricsServiceRequest or ExportLogsServiceRequest per line, one line per stored batch. The
 * current file is `perimeter-otlp.jsonl`; past `maxFileBytes` it is renamed to
 * `perimeter-otlp-<UTC time>-<first batch id>.jsonl` (never rewritten again: fit for an S3 sync to
 * an object-lock bucket). Lines are fsynced before the cursor moves; files are 0600.
 */
export type FileSinkConfig = Extract<CollectorConfig['forward'][number], { type: 'file' }>;

export const CURRENT_FILE = 'perimeter-otlp.jsonl';

export function createFileSink(name: string, config: FileSinkConfig, nowMs: () => number): Sink {
  mkdirSync(config.dir, { recursive: true, mode: 0o700 });
  const currentPath = join(config.dir, CURRENT_FILE);
  let fd = openSync(currentPath, 'a', 0o600);
  let size = statSync(currentPath).size;
  let firstBatchId: number | null = null;

  const rotate = (nextBatchId: number) => {
    fsyncSync(fd);
    closeSync(fd);
    const stamp = new Date(nowMs())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    renameSync(currentPath, join(config.dir, `perimeter-otlp-${stamp}-${firstBatchId ?? nextBatchId}.jsonl`));
    fd = openSync(currentPath, 'a', 0o600);
    size = 0;
    firstBatchId = null;
  };

  return {
    name,
    type: 'file',
    accepts: () => true,
    async send(batches: readonly StoredBatch[]): Promise<SendOutcome> {
      // A payload that cannot be converted throws (dead letter); a disk that cannot take it is retried.
      const lines = batches.map((batch) => Buffer.from(`${toJsonText(batch, batchAttributes(batch))}\n`));
      try {
        lines.forEach((line, index) => {
          if (size > 0 && size + line.byteLength > config.maxFileBytes) {
            rotate((batches[index] as StoredBatch).id);
          }
          writeSync(fd, line);
          size += line.byteLength;
          firstBatchId ??= (batches[index] as StoredBatch).id;
        });
        fsyncSync(fd);
      } catch (error) {
        return { kind: 'retryable', reason: `file: ${(error as Error).message}` };
      }
      return { kind: 'ok', rejectedItems: 0 };
    },
    async close() {
      // Every line a send reported ok was fsynced then; what is left is from a failed send (its
      // batches are sent again), so a failing fsync here must not stop the shutdown.
      try {
        fsyncSync(fd);
      } catch {
        // e.g. EIO or EINVAL on a failing device
      }
      closeSync(fd);
    },
  };
}
