import type { IntegrityVerdict } from '../../replay/types.ts';
import { toCsv } from '../render-csv.ts';
import { defineSection } from '../section.ts';

/**
 * Every node's whole hash chain, genesis to head, verified as replay verifies it
 * (../integrity.ts). The one section with a verdict: a broken chain makes the report BROKEN.
 */
export interface NodeIntegrity {
  nodeId: string;
  verdict: IntegrityVerdict;
}

export const integritySection = defineSection<NodeIntegrity[]>({
  id: 'integrity',
  title: 'Integrity of the record',
  controls: {
    soc2: ['CC7.2', 'CC7.3'],
    iso27001: ['8.15 Logging'],
    basis: 'row "Security auditing"',
  },
  read({ reads, verifyChain, progress }) {
    const nodes = reads.nodes();
    return nodes.map((node, index) => {
      progress(`integrity: verifying ${node.nodeId} (${index + 1}/${nodes.length})`);
      const verdict = verifyChain(node.nodeId, (n) =>
        progress(`integrity: ${node.nodeId}: ${n} batches verified`),
      );
      return { nodeId: node.nodeId, verdict };
    });
  },
  markdown: (integrity) => [
    "Each node's hash chain recomputed from genesis to head over every stored batch (payload, events or samples, links), stepping over recorded pruned ranges by their edge hashes. File: integrity.csv",
    '',
    ...integrity.map((i) => `- ${i.nodeId}: ${i.verdict.summary}`),
    '',
  ],
  csv: (integrity) => ({
    'integrity.csv': toCsv(
      ['node', 'ok', 'batches_checked', 'pruned_batches', 'summary'],
      integrity.map((i) => [
        i.nodeId,
        i.verdict.ok,
        i.verdict.checked,
        i.verdict.pruned.reduce((s, p) => s + p.batchCount, 0),
        i.verdict.summary,
      ]),
    ),
  }),
  verdict(integrity, sectionNumber) {
    const holds = integrity.every((i) => i.verdict.ok);
    return {
      holds,
      line: `Integrity: ${holds ? "every node's hash chain holds" : `BROKEN on at least one node (see section ${sectionNumber})`}`,
    };
  },
});
