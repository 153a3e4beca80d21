import type { Database } from 'better-sqlite3';
import { createPrunedRangeChain } from './pruned-range-chain.ts';

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
  // 2: state derived from events inside the ingest transaction (src/derive/). Names are literal
  // here on purpose: a step must keep meaning what it meant when it first ran. Events already in
  // the store are folded in once, so an upgraded store knows its logins and every node's drift.
  `
  CREATE TABLE auth_login_counts (
    node_id TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    auth_method TEXT NOT NULL CHECK (auth_method IN ('ssh', 'console', 'screensaver', 'sudo', 'other')),
    count INTEGER NOT NULL,
    PRIMARY KEY (node_id, outcome, auth_method)
  ) STRICT, WITHOUT ROWID;

  -- Events a derivation could not use, by a small fixed set of reasons.
  CREATE TABLE derive_skipped_counts (
    reason TEXT PRIMARY KEY,
    count INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  -- The newest config.drift observation per (node, check); "newest" is (event time, events.id).
  CREATE TABLE drift_latest (
    node_id TEXT NOT NULL,
    check_id TEXT NOT NULL,
    observed TEXT NOT NULL,
    expected TEXT NOT NULL,
    controls TEXT NOT NULL,
    observed_since_ms INTEGER NOT NULL,
    event_ts_ms INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (node_id, check_id)
  ) STRICT, WITHOUT ROWID;

  INSERT INTO auth_login_counts (node_id, outcome, auth_method, count)
  SELECT node_id, outcome, method, count(*) FROM (
    SELECT node_id,
      json_extract(attributes_json, '$."auth.outcome"') AS outcome,
      CASE WHEN json_extract(attributes_json, '$."auth.method"') IN ('ssh', 'console', 'screensaver', 'sudo')
        THEN json_extract(attributes_json, '$."auth.method"') ELSE 'other' END AS method
    FROM events WHERE event_name = 'auth.login'
  ) WHERE outcome IN ('success', 'failure')
  GROUP BY node_id, outcome, method;

  WITH drift AS (
    SELECT id, node_id, ts_ms,
      json_extract(attributes_json, '$."check.id"') AS check_id,
      json_extract(attributes_json, '$.observed') AS observed,
      json_extract(attributes_json, '$.expected') AS expected,
      json_extract(attributes_json, '$."check.controls"') AS controls
    FROM events WHERE event_name = 'config.drift'
  ), usable AS (
    SELECT * FROM drift
    WHERE typeof(check_id) = 'text' AND length(check_id) BETWEEN 1 AND 200
      AND typeof(observed) = 'text' AND length(observed) <= 1024
  ), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY node_id, check_id ORDER BY ts_ms DESC, id DESC) AS newest_first
    FROM usable
  )
  INSERT INTO drift_latest
    (node_id, check_id, observed, expected, controls, observed_since_ms, event_ts_ms, event_id)
  SELECT node_id, check_id, observed,
    iif(typeof(expected) = 'text', expected, ''), iif(typeof(controls) = 'text', controls, ''),
    ts_ms, ts_ms, id
  FROM ranked WHERE newest_first = 1;
  `,
  // 3: forward (src/forward/). One cursor per sink, moved only after the upstream's 2xx; batches a
  // sink refused for good wait in forward_dead_letters; every drop at the hard quota and every
  // pruned range is recorded, the latter with the chain hashes at its edges, so a node's hash chain
  // stays verifiable across what pruning removed. IF NOT EXISTS: a store rewound to an older
  // user_version by hand (as migrations.test.ts does) still upgrades.
  `
  CREATE TABLE IF NOT EXISTS forward_cursors (
    sink TEXT PRIMARY KEY,
    batch_id INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS forward_dead_letters (
    id INTEGER PRIMARY KEY,
    sink TEXT NOT NULL,
    batch_id INTEGER NOT NULL,
    node_id TEXT NOT NULL,
    signal TEXT NOT NULL,
    http_status INTEGER,
    reason TEXT NOT NULL,
    first_failed_at_ms INTEGER NOT NULL,
    last_failed_at_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    retry_requested_at_ms INTEGER,
    resolved_at_ms INTEGER,
    UNIQUE (sink, batch_id)
  ) STRICT;

  CREATE TABLE IF NOT EXISTS forward_drops (
    id INTEGER PRIMARY KEY,
    sink TEXT NOT NULL,
    from_batch_id INTEGER NOT NULL,
    to_batch_id INTEGER NOT NULL,
    batches INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS forward_counts (
    sink TEXT NOT NULL,
    name TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (sink, name)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS pruned_ranges (
    id INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL,
    from_batch_id INTEGER NOT NULL,
    to_batch_id INTEGER NOT NULL,
    batch_count INTEGER NOT NULL,
    min_seq INTEGER,
    max_seq INTEGER,
    min_received_at_ms INTEGER NOT NULL,
    max_received_at_ms INTEGER NOT NULL,
    -- prev_hash of the first pruned batch and hash of the last: the chain's edges around the hole.
    first_prev_hash TEXT NOT NULL,
    last_hash TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('retention', 'quota')),
    pruned_at_ms INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS pruned_ranges_node ON pruned_ranges (node_id, from_batch_id);
  `,
  // 4: alerts (src/alerts/). The state of every pending, firing and recently resolved alert, so a
  // restart neither re-pages nor forgets a pending timer; every state change; every notification
  // attempt; and the collector's own series the engine samples each cycle (auth counters, node
  // last-seen, forward lag), kept for the longest rule window so rate() survives a restart.
  `
  CREATE TABLE IF NOT EXISTS alert_states (
    rule_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    labels_json TEXT NOT NULL,
    annotations_json TEXT NOT NULL,
    value REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'inactive')),
    active_at_ms INTEGER NOT NULL,
    fired_at_ms INTEGER,
    resolved_at_ms INTEGER,
    keep_firing_since_ms INTEGER,
    last_sent_at_ms INTEGER,
    PRIMARY KEY (rule_key, fingerprint)
  ) STRICT;

  CREATE TABLE IF NOT EXISTS alert_history (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    rule_key TEXT NOT NULL,
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    labels_json TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    value REAL NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS alert_notifications (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    notifier TEXT NOT NULL,
    target TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed')),
    http_status INTEGER,
    error TEXT,
    alert_count INTEGER NOT NULL,
    fingerprints_json TEXT NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS alert_sample_series (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,
    labels_json TEXT NOT NULL,
    UNIQUE (metric, labels_json)
  ) STRICT;

  -- One row per evaluation: (series id, value) float64 pairs, as sample_blocks does for nodes.
  CREATE TABLE IF NOT EXISTS alert_samples (
    at_ms INTEGER PRIMARY KEY,
    samples BLOB NOT NULL
  ) STRICT;
  `,
  // 5: evidence and retention (src/evidence/). Per-node indexes for replay and evidence (the replay
  // bench: p95 1474 → 854 ms; one entry per batch and per event, not per point); when each token
  // was last used (written at most once a minute per token, for the access review); and what
  // retention keeps after it prunes metric detail: hourly per-series summaries, and per-node hourly
  // activity so coverage over a pruned period is still known.
  `
  CREATE INDEX IF NOT EXISTS batches_node ON batches (node_id, id);
  CREATE INDEX IF NOT EXISTS events_node ON events (node_id, id);

  CREATE TABLE IF NOT EXISTS token_last_used (
    token_id TEXT PRIMARY KEY,
    last_used_at_ms INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS metric_summaries (
    node_id TEXT NOT NULL,
    hour_ms INTEGER NOT NULL,
    series_id INTEGER NOT NULL,
    count INTEGER NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    sum REAL NOT NULL,
    last_ts_ms INTEGER NOT NULL,
    last REAL NOT NULL,
    PRIMARY KEY (node_id, hour_ms, series_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS node_activity (
    node_id TEXT NOT NULL,
    hour_ms INTEGER NOT NULL,
    batches INTEGER NOT NULL,
    interval_ms INTEGER NOT NULL,
    intervals_with_data INTEGER NOT NULL,
    PRIMARY KEY (node_id, hour_ms)
  ) STRICT, WITHOUT ROWID;
  `,
  // 6: the AI workload (derive/inference-counts.ts): inference requests per (node, status code),
  // tokens per (node, direction), and model changes and integrity failures per node, counted in the
  // ingest transaction like the auth counts. Events already stored are folded in once.
  `
  CREATE TABLE IF NOT EXISTS inference_request_counts (
    node_id TEXT NOT NULL,
    code TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (node_id, code)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS inference_token_counts (
    node_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('input', 'output')),
    count INTEGER NOT NULL,
    PRIMARY KEY (node_id, direction)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS model_event_counts (
    node_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('integrity_failure', 'added', 'removed', 'replaced')),
    count INTEGER NOT NULL,
    PRIMARY KEY (node_id, kind)
  ) STRICT, WITHOUT ROWID;

  CREATE INDEX IF NOT EXISTS events_name_ts ON events (event_name, ts_ms);

  INSERT OR IGNORE INTO inference_request_counts (node_id, code, count)
  SELECT node_id, code, count(*) FROM (
    SELECT node_id, CAST(json_extract(attributes_json, '$."http.response.status_code"') AS TEXT) AS code
    FROM events WHERE event_name = 'inference.request'
  ) WHERE code GLOB '[1-5][0-9][0-9]' GROUP BY node_id, code;

  INSERT OR IGNORE INTO inference_token_counts (node_id, direction, count)
  SELECT node_id, 'input', sum(n) FROM (
    SELECT node_id, json_extract(attributes_json, '$."gen_ai.usage.input_tokens"') AS n
    FROM events WHERE event_name = 'inference.request'
  ) WHERE typeof(n) = 'integer' AND n >= 0 GROUP BY node_id;
  INSERT OR IGNORE INTO inference_token_counts (node_id, direction, count)
  SELECT node_id, 'output', sum(n) FROM (
    SELECT node_id, json_extract(attributes_json, '$."gen_ai.usage.output_tokens"') AS n
    FROM events WHERE event_name = 'inference.request'
  ) WHERE typeof(n) = 'integer' AND n >= 0 GROUP BY node_id;

  INSERT OR IGNORE INTO model_event_counts (node_id, kind, count)
  SELECT node_id, 'integrity_failure', count(*) FROM events WHERE event_name = 'model.integrity' GROUP BY node_id;
  INSERT OR IGNORE INTO model_event_counts (node_id, kind, count)
  SELECT node_id, kind, count(*) FROM (
    SELECT node_id, json_extract(attributes_json, '$."model.change"') AS kind
    FROM events WHERE event_name = 'model.change'
  ) WHERE kind IN ('added', 'removed', 'replaced') GROUP BY node_id, kind;
  `,
  // 7: every pruned range also names the settings that made it due (store/prune.ts), beside its
  // policy in reason: 'storage.retention' and 'retention.events' were both just 'retention'. A side
  // table, not a column: ALTER TABLE has no IF NOT EXISTS, and a store rewound by hand must upgrade.
  `
  CREATE TABLE IF NOT EXISTS pruned_range_settings (
    range_id INTEGER PRIMARY KEY REFERENCES pruned_ranges (id) ON DELETE CASCADE,
    setting TEXT NOT NULL
  ) STRICT;
  `,
  // 8: integrity (docs/integrity.md). The audit log is chained (each row's link holds the previous
  // row's hash; a side table, for the reason given at 7), and every signed checkpoint is kept as
  // the exact signed text, so verify checks the signature over the bytes that were signed.
  `
  CREATE TABLE IF NOT EXISTS audit_log_links (
    audit_id INTEGER PRIMARY KEY REFERENCES audit_log (id),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS checkpoints (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    hash TEXT NOT NULL,
    signed_json TEXT NOT NULL
  ) STRICT;
  `,
  // 9: tokens may expire (`tokens create --expires 90d`); a side table for the same reason as 7.
  // A token with no row here never expires (every token made before this version).
  `
  CREATE TABLE IF NOT EXISTS token_expiry (
    token_id TEXT PRIMARY KEY REFERENCES tokens (id) ON DELETE CASCADE,
    expires_at_ms INTEGER NOT NULL
  ) STRICT;
  `,
  // 10: alert history and notification records are chained like the audit log (store/row-chain.ts:
  // each row's link holds the previous row's hash); signed checkpoints carry both heads. Side
  // tables for the reason given at 7. Rows written before this version are linked, oldest first,
  // when the first row after it is written (row-chain.ts).
  `
  CREATE TABLE IF NOT EXISTS alert_history_links (
    row_id INTEGER PRIMARY KEY REFERENCES alert_history (id),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS alert_notification_links (
    row_id INTEGER PRIMARY KEY REFERENCES alert_notifications (id),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  `,
  // 11: each forward sink's checkpoint cursor (forward/forwarder.ts): the newest signed checkpoint
  // its upstream acknowledged, so a checkpoint written during an outage goes out when it ends.
  `
  CREATE TABLE IF NOT EXISTS forward_checkpoint_cursors (
    sink TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
  ) STRICT;
  `,
  // 12: pruned ranges are chained like alert history (store/pruned-range-chain.ts); signed
  // checkpoints (payload v3) carry the head and row count instead of every range. The ranges
  // already there are linked, oldest first, in the same transaction (LINK_AFTER below).
  `
  CREATE TABLE IF NOT EXISTS pruned_range_links (
    row_id INTEGER PRIMARY KEY REFERENCES pruned_ranges (id),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  `,
];

/** Steps SQL cannot do (hashing), by the schema version they complete, run in its transaction. */
const LINK_AFTER: ReadonlyMap<number, (db: Database) => void> = new Map([
  [12, (db: Database) => createPrunedRangeChain(db).linkExisting()],
]);

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
      LINK_AFTER.get(version + 1)?.(db);
      db.pragma(`user_version = ${version + 1}`);
    });
    apply.immediate();
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
