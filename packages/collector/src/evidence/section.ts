import type { StoreVerdict } from '../integrity/verify-store.ts';
import type { IntegrityVerdict } from '../replay/types.ts';
import type { EvidenceReads, StoredEvent } from '../store/evidence-reads.ts';
import type { RetentionPolicy } from './retention.ts';
import type { Period } from './types.ts';

/**
 * The one shape every evidence section has: what it is (id, title, the controls it answers),
 * how it reads its rows from the store, and how those rows are written as Markdown, JSON and
 * CSV. A new section is one file exporting `defineSection({...})`, listed once in
 * section-list.ts; its heading number is its place in that list, never written by hand.
 */
export interface RetentionSettings extends RetentionPolicy {
  forwardedRetentionMs: number;
  sinks: number;
}

/** What a section may read. No database handle: the store's typed reads only. */
export interface SectionInput {
  reads: EvidenceReads;
  period: Period;
  retention: RetentionSettings;
  /** One node's whole hash chain, verified (evidence/integrity.ts). */
  verifyChain(nodeId: string, onProgress: (verified: number) => void): IntegrityVerdict;
  /**
   * The store against its own newest signed checkpoint, as `verify` checks it
   * (integrity/verify-store.ts), each node's chain walked by `verifyNode`.
   */
  verifyStore(verifyNode: (nodeId: string) => IntegrityVerdict): StoreVerdict;
  /** A progress line on stderr. */
  progress(line: string): void;
}

/**
 * The framework ids a section answers, in SOC 2 TSC and ISO/IEC 27001:2022 Annex A ids: the
 * "Proposed" mapping of research/compliance-and-naming.md §3 (reasoned, not from a source; the
 * rows it rests on named in `basis`), which auditors accept with the rationale stated.
 */
export interface Controls {
  soc2: readonly string[];
  iso27001: readonly string[];
  basis: string;
}

export interface EvidenceSection<Rows> {
  /** Stable id; by default the rows' key in evidence.json. */
  id: string;
  /** The Markdown heading, without its number. */
  title: string;
  /** Null for a section that states policy rather than evidence of a control (retention). */
  controls: Controls | null;
  read(input: SectionInput): Rows;
  /** The Markdown body under the heading and its citation, as lines. */
  markdown(rows: Rows): string[];
  /** CSV files by name (toCsv in render-csv.ts); {} when the section has no table to sample. */
  csv(rows: Rows): Record<string, string>;
  /** Top-level evidence.json entries; default `{ [id]: rows }`. */
  json?(rows: Rows): Record<string, unknown>;
  /**
   * For a section that checks something (integrity): whether it holds, and the line the report
   * opens with. One that does not hold makes the report BROKEN (exit 3).
   */
  verdict?(rows: Rows, sectionNumber: number): { holds: boolean; line: string };
}

/** A section with its rows read, ready to render: the rows' type no longer matters past here. */
export interface ReadSection {
  id: string;
  title: string;
  controls: Controls | null;
  markdown: string[];
  csv: Record<string, string>;
  json: Record<string, unknown>;
  verdict: ((sectionNumber: number) => { holds: boolean; line: string }) | null;
}

/** A section definition, its rows' type closed over. */
export interface SectionDefinition {
  id: string;
  title: string;
  read(input: SectionInput): ReadSection;
}

export function defineSection<Rows>(section: EvidenceSection<Rows>): SectionDefinition {
  return {
    id: section.id,
    title: section.title,
    read(input) {
      const rows = section.read(input);
      const verdict = section.verdict;
      return {
        id: section.id,
        title: section.title,
        controls: section.controls,
        markdown: section.markdown(rows),
        csv: section.csv(rows),
        json: section.json ? section.json(rows) : { [section.id]: rows },
        verdict: verdict === undefined ? null : (n) => verdict(rows, n),
      };
    },
  };
}

export function citationLine(controls: Controls): string {
  return `SOC 2: ${controls.soc2.join(', ')} · ISO/IEC 27001:2022 Annex A: ${controls.iso27001.join('; ')}`;
}

/** An attribute or resource value as report text: '' when absent. */
export function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/**
 * An event as a report row: when (atMs), where (nodeId), then each named attribute as text, in
 * the order given (the order evidence.json writes the fields in).
 */
export function eventRow<K extends string>(
  event: StoredEvent,
  attributes: Record<K, string>,
): { atMs: number; nodeId: string } & Record<K, string> {
  const row: Record<string, string | number> = { atMs: event.tsMs, nodeId: event.nodeId };
  for (const [field, name] of Object.entries<string>(attributes)) {
    row[field] = text(event.attributes[name]);
  }
  return row as { atMs: number; nodeId: string } & Record<K, string>;
}
