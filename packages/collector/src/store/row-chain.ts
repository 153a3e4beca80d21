import { createHash } from 'node:crypto';
import { GENESIS_HASH } from '@perimeter/schema';
import type { SqliteDatabase } from './db.ts';

/**
 * A per-row hash chain over an append-only table, kept in a side links table (`row_id`,
 * `prev_hash`, `hash`): each row's hash commits to the previous row's hash, its id and its
 * columns as stored. Signed checkpoints carry the head (docs/integrity.md), so an edited, inserted
 * or deleted row breaks the chain, and a chain relinked without the key no longer meets the signed
 * head. Used for alert history and notification records; the audit log has its own (older) link
 * format (audit-log.ts).
 */
export interface ChainHead {
  lastId: number | null;
  hash: string;
}

export interface ChainedRow {
  id: number;
  /** The row's chained columns as stored, JSON text (so NULL and '' differ). */
  fieldsJson: string;
  prevHash: string | null;
  hash: string | null;
}

export interface RowChain {
  /**
   * Links the row just inserted (call inside the insert's transaction). The first link ever made
   * first links the rows already there, oldest first: they were written before the chain existed
   * (schema < 10), and from here on a checkpoint covers them too.
   */
  link(id: number): void;
  /** Links every row when none is linked yet (a migration adding the chain to a table with rows). */
  linkExisting(): void;
  /**
   * Rehashes the links of row `id` and every row after it, keeping the link before: for a row
   * its only writer extended in place (store/prune.ts). Only the next signed checkpoint covers
   * the new links; one signed before that names the old head and no longer matches.
   */
  relinkFrom(id: number): void;
  head(): ChainHead;
  /** Every row with its link (null for a row with none), oldest first, for the verifier. */
  rows(): Iterable<ChainedRow>;
}

export function rowLinkHash(prevHash: string, id: number, fieldsJson: string): string {
  return createHash('sha256').update(`${prevHash}\u001f${id}\u001f${fieldsJson}`).digest('hex');
}

export function createRowChain(
  db: SqliteDatabase,
  options: {
    table: string;
    links: string;
    columns: readonly string[];
    /** SQL expressions over the row `t` chained after its columns (a side table's value). */
    derived?: readonly string[];
  },
): RowChain {
  const fields = `json_array(${[...options.columns.map((column) => `t.${column}`), ...(options.derived ?? [])].join(', ')})`;
  const statements = {
    fields: db.prepare(`SELECT ${fields} FROM ${options.table} t WHERE t.id = ?`).pluck(),
    head: db.prepare(`SELECT row_id AS lastId, hash FROM ${options.links} ORDER BY row_id DESC LIMIT 1`),
    insert: db.prepare(`INSERT INTO ${options.links} (row_id, prev_hash, hash) VALUES (?, ?, ?)`),
    before: db.prepare(`SELECT id FROM ${options.table} WHERE id < ? ORDER BY id`).pluck(),
    prevOf: db.prepare(`SELECT prev_hash FROM ${options.links} WHERE row_id = ?`).pluck(),
    from: db.prepare(`SELECT row_id FROM ${options.links} WHERE row_id >= ? ORDER BY row_id`).pluck(),
    update: db.prepare(`UPDATE ${options.links} SET prev_hash = ?, hash = ? WHERE row_id = ?`),
    rows: db.prepare(
      `SELECT t.id, ${fields} AS fieldsJson, l.prev_hash AS prevHash, l.hash
       FROM ${options.table} t LEFT JOIN ${options.links} l ON l.row_id = t.id ORDER BY t.id`,
    ),
  };
  const head = (): ChainHead =>
    (statements.head.get() as ChainHead | undefined) ?? { lastId: null, hash: GENESIS_HASH };
  const append = (id: number, prevHash: string): string => {
    const hash = rowLinkHash(prevHash, id, statements.fields.get(id) as string);
    statements.insert.run(id, prevHash, hash);
    return hash;
  };
  return {
    link(id) {
      const current = head();
      let prevHash = current.hash;
      if (current.lastId === null) {
        for (const earlier of statements.before.all(id) as number[]) {
          prevHash = append(earlier, prevHash);
        }
      }
      append(id, prevHash);
    },
    linkExisting() {
      if (head().lastId !== null) {
        return;
      }
      let prevHash = GENESIS_HASH;
      for (const id of statements.before.all(Number.MAX_SAFE_INTEGER) as number[]) {
        prevHash = append(id, prevHash);
      }
    },
    relinkFrom(id) {
      let prevHash = statements.prevOf.get(id) as string | undefined;
      if (prevHash === undefined) {
        return; // a row with no link was inserted by hand: it stays unlinked, for verify to report
      }
      for (const rowId of statements.from.all(id) as number[]) {
        const hash = rowLinkHash(prevHash, rowId, statements.fields.get(rowId) as string);
        statements.update.run(prevHash, hash, rowId);
        prevHash = hash;
      }
    },
    head,
    rows: () => statements.rows.iterate() as IterableIterator<ChainedRow>,
  };
}
