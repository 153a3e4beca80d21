import type { Database } from 'better-sqlite3';

/**
 * Schema versions, applied in order inside one transaction each; `PRAGMA user_version` records the
 * last one. Write-heavy tables are append-only in arrival order (rowid, no secondary index on the
 * hot path): a series-major key costs 13× on ingest (research/delivery-anchors.md §6).
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    last_batch_id INTEGER,
    chain_head TEXT NOT NULL,
    resource_json TEXT
  ) STRICT;

  CREATE TABLE streams (
    stream_id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
  ) STRICT;

  -- One row per accepted request, exactly as it arrived on the wire (payload may be gzip), chained per node.
  CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL,
    stream_id TEXT NOT NULL,
    seq INTEGER,
    signal TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    content_encoding TEXT NOT NULL,
    payload BLOB NOT NULL,
    payload_sha256 TEXT NOT NULL,
    -- Digest of what was derived from the payload and stored beside it: the sample block, or the events.
    rows_sha256 TEXT NOT NULL,
    point_count INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  -- Dedup of (stream, seq): one index entry per batch, not per point.
  CREATE UNIQUE INDEX batches_stream_seq ON batches (stream_id, seq) WHERE seq IS NOT NULL;

  CREATE TABLE gaps (
    id INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL,
    stream_id TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    detected_at_ms INTEGER NOT NULL,
    detected_in_batch_id INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    attributes_json TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_ts_ms INTEGER,
    last_value REAL,
    UNIQUE (node_id, metric, attributes_json)
  ) STRICT;

  -- One block per metrics batch: (series id, time, value) triples, see sample-block.ts.
  CREATE TABLE sample_blocks (
    batch_id INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL,
    sample_count INTEGER NOT NULL,
    min_ts_ms INTEGER NOT NULL,
    max_ts_ms INTEGER NOT NULL,
    samples BLOB NOT NULL
  ) STRICT;

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL,
    node_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    observed_ms INTEGER,
    event_name TEXT,
    severity INTEGER,
    body TEXT,
    attributes_json TEXT NOT NULL
  ) STRICT;

  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('node', 'reader', 'admin')),
    secret_sha256 TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
  ) STRICT;
  CREATE INDEX tokens_node ON tokens (node_id);

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail_json TEXT NOT NULL
  ) STRICT;
  `,
];

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `store schema version ${current} is newer than this collector understands (${MIGRATIONS.length}); upgrade the collector`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const apply = db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    });
    apply.immediate();
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
