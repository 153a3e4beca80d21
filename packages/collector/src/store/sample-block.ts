import type { Database } from 'better-sqlite3';
/**
 * A metrics batch's samples are stored as one block: a blob of (series id, time ms, value)
 * triples as little-endian float64s, one row per batch. One row instead of a thousand keeps the
 * commit cheap (the per-row cost dominated ingest), the block's SHA-256 goes into the node's hash
 * chain so an edited sample breaks the chain, and readers (replay, alerts) scan blocks in arrival
 * order and filter in memory, as Prometheus does with chunks. Every platform Perimeter runs on
 * (x86-64, arm64) is little-endian, which the typed-array views below rely on.
 */
export type SampleTriple = readonly [seriesId: number, tsMs: number, value: number];

export interface EncodedBlock {
  data: Buffer;
  count: number;
  minTsMs: number;
  maxTsMs: number;
}

export function encodeSampleBlock(samples: readonly SampleTriple[]): EncodedBlock {
  const values = new Float64Array(samples.length * 3);
  let minTsMs = Number.POSITIVE_INFINITY;
  let maxTsMs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < samples.length; i++) {
    const [seriesId, tsMs, value] = samples[i] as SampleTriple;
    values[i * 3] = seriesId;
    values[i * 3 + 1] = tsMs;
    values[i * 3 + 2] = value;
    if (tsMs < minTsMs) {
      minTsMs = tsMs;
    }
    if (tsMs > maxTsMs) {
      maxTsMs = tsMs;
    }
  }
  return {
    data: Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    count: samples.length,
    minTsMs: samples.length > 0 ? minTsMs : 0,
    maxTsMs: samples.length > 0 ? maxTsMs : 0,
  };
}

/** Decodes a stored block; a blob whose length is not a whole number of triples is corrupt. */
export function decodeSampleBlock(data: Uint8Array): SampleTriple[] {
  if (data.byteLength % 24 !== 0) {
    throw new RangeError(`sample block of ${data.byteLength} bytes is not a whole number of 24-byte samples`);
  }
  // Copy into an aligned buffer: a Buffer from SQLite may start at any byte offset.
  const aligned = new Float64Array(data.byteLength / 8);
  new Uint8Array(aligned.buffer).set(data);
  const samples: SampleTriple[] = [];
  for (let i = 0; i < aligned.length; i += 3) {
    samples.push([aligned[i] as number, aligned[i + 1] as number, aligned[i + 2] as number]);
  }
  return samples;
}

/** Every stored sample in arrival order, optionally only from blocks after a batch id. */
export function* readSamples(
  db: Database,
  options: { afterBatchId?: number; nodeId?: string } = {},
): Generator<SampleTriple> {
  const rows = db
    .prepare(
      `SELECT samples FROM sample_blocks WHERE batch_id > ? ${options.nodeId === undefined ? '' : 'AND node_id = ?'} ORDER BY batch_id`,
    )
    .pluck()
    .iterate(
      ...(options.nodeId === undefined
        ? [options.afterBatchId ?? 0]
        : [options.afterBatchId ?? 0, options.nodeId]),
    ) as IterableIterator<Uint8Array>;
  for (const data of rows) {
    yield* decodeSampleBlock(data);
  }
}
