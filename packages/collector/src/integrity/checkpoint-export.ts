import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorConfig } from '@perimeter/schema';
import type { ParsedCheckpoint } from './checkpoint.ts';
import { checkpointDocument } from './checkpoint-record.ts';

/**
 * Checkpoints off the box through the forward sinks (ARCHITECTURE.md "Integrity"). The file sink
 * gets `checkpoints/checkpoints-<UTC day>.jsonl` beside its OTLP files, one signed checkpoint per
 * line, appended and fsynced, 0600: the directory an S3 sync to an object-lock bucket carries off.
 * OTLP and remote-write sinks send them from the store past a cursor of their own, with the
 * forward's retries (forward/forwarder.ts, integrity/checkpoint-record.ts).
 */
export function exportCheckpoint(
  config: Pick<CollectorConfig, 'forward'>,
  checkpoint: ParsedCheckpoint,
): string[] {
  const written: string[] = [];
  for (const sink of config.forward) {
    if (sink.type !== 'file') {
      continue;
    }
    const dir = join(sink.dir, 'checkpoints');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `checkpoints-${new Date(checkpoint.body.atMs).toISOString().slice(0, 10)}.jsonl`);
    const fd = openSync(path, 'a', 0o600);
    try {
      writeSync(fd, `${checkpointDocument(checkpoint)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    written.push(path);
  }
  return written;
}
