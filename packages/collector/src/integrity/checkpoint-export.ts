import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorConfig } from '@perimeter/schema';
import type { ParsedCheckpoint } from './checkpoint.ts';

/**
 * Checkpoints off the box through the forward sinks (ARCHITECTURE.md "Integrity"). The file sink
 * gets `checkpoints/checkpoints-<UTC day>.jsonl` beside its OTLP files, one signed checkpoint per
 * line, appended and fsynced, 0600: the directory an S3 sync to an object-lock bucket carries off.
 * OTLP and remote-write sinks do not carry checkpoints yet (docs/integrity.md).
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
      writeSync(fd, `${JSON.stringify(checkpoint.envelope)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    written.push(path);
  }
  return written;
}
