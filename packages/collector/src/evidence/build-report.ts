import { verifyStore } from '../integrity/verify-store.ts';
import type { StoreTables } from '../store/store-file.ts';
import { verifyNodeChain } from './integrity.ts';
import type { ReadSection, RetentionSettings, SectionDefinition, SectionInput } from './section.ts';
import { EVIDENCE_SECTIONS } from './section-list.ts';
import type { Period } from './types.ts';

/** Everything the evidence files say: each section's rows, read from one read-only store connection. */
export interface EvidenceReport {
  generatedAtMs: number;
  period: Period;
  nodeCount: number;
  /** In report order: section n is sections[n - 1]. */
  sections: ReadSection[];
  /** The opening lines of the sections that check something (integrity), in report order. */
  verdicts: Array<{ holds: boolean; line: string }>;
  /** Every verdict holds; false makes the command exit 3. */
  integrityOk: boolean;
}

export interface BuildOptions {
  period: Period;
  nowMs: () => number;
  retention: RetentionSettings;
  progress: (line: string) => void;
  /** The sections, in report order (default: section-list.ts). */
  sections?: readonly SectionDefinition[];
}

export function buildEvidence(
  store: Pick<StoreTables, 'evidence' | 'chain' | 'integrity' | 'audit' | 'alerts'>,
  options: BuildOptions,
): EvidenceReport {
  const generatedAtMs = options.nowMs();
  const reads = store.evidence;
  const input: SectionInput = {
    reads,
    period: options.period,
    retention: options.retention,
    progress: options.progress,
    verifyChain: (nodeId, onProgress) => verifyNodeChain(store.chain, nodeId, onProgress),
    // No off-box checkpoint here: the report names the stored one it verified against; `verify --checkpoint` is the stronger check.
    verifyStore: (verifyNode) => verifyStore({ store, given: [], verifyNode }),
  };
  const sections = (options.sections ?? EVIDENCE_SECTIONS).map((section, index) => {
    options.progress(`${index + 1}. ${section.title}`);
    return section.read(input);
  });
  const verdicts = sections.flatMap((section, index) =>
    section.verdict === null ? [] : [section.verdict(index + 1)],
  );
  return {
    generatedAtMs,
    period: options.period,
    nodeCount: reads.nodes().length,
    sections,
    verdicts,
    integrityOk: verdicts.every((v) => v.holds),
  };
}
