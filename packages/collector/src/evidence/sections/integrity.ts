import type { StoreVerdict } from '../../integrity/verify-store.ts';
import type { IntegrityVerdict } from '../../replay/types.ts';
import { toCsv } from '../render-csv.ts';
import { defineSection } from '../section.ts';

/**
 * Every node's whole hash chain, genesis to head, verified as replay verifies it
 * (../integrity.ts), and the store against its newest signed checkpoint by the verifier
 * `verify` runs (integrity/verify-store.ts), each chain walked once for both. The one section
 * with a verdict: a broken chain or a store that does not match its checkpoint makes the report
 * BROKEN.
 */
export interface NodeIntegrity {
  nodeId: string;
  verdict: IntegrityVerdict;
}

export interface IntegrityEvidence {
  nodes: NodeIntegrity[];
  store: StoreVerdict;
}

export const integritySection = defineSection<IntegrityEvidence>({
  id: 'integrity',
  title: 'Integrity of the record',
  controls: {
    soc2: ['CC7.2', 'CC7.3'],
    iso27001: ['8.15 Logging'],
    basis: 'row "Security auditing"',
  },
  read({ reads, verifyChain, verifyStore, progress }) {
    const count = reads.nodes().length;
    const nodes: NodeIntegrity[] = [];
    const store = verifyStore((nodeId) => {
      progress(`integrity: verifying ${nodeId} (${nodes.length + 1}/${count})`);
      const verdict = verifyChain(nodeId, (n) => progress(`integrity: ${nodeId}: ${n} batches verified`));
      nodes.push({ nodeId, verdict });
      return verdict;
    });
    return { nodes, store };
  },
  markdown: ({ nodes, store }) => [
    "Each node's hash chain recomputed from genesis to head over every stored batch (payload, events or samples, links), stepping over recorded pruned ranges by their edge hashes. File: integrity.csv",
    '',
    ...nodes.map((i) => `- ${i.nodeId}: ${i.verdict.summary}`),
    '',
    checkpointLine(store),
    ...store.problems.map((p) => `- ${store.checkpointsSeen === 0 ? 'Unproven: ' : ''}${p.where}: ${p.what}`),
    ...store.notes.map((note) => `- Note: ${note}`),
    '',
  ],
  csv: ({ nodes }) => ({
    'integrity.csv': toCsv(
      ['node', 'ok', 'batches_checked', 'pruned_batches', 'summary'],
      nodes.map((i) => [
        i.nodeId,
        i.verdict.ok,
        i.verdict.checked,
        i.verdict.pruned.reduce((s, p) => s + p.batchCount, 0),
        i.verdict.summary,
      ]),
    ),
  }),
  json: ({ nodes, store }) => ({
    integrity: nodes,
    integrityCheckpoint: {
      ok: store.ok,
      checkpoint: store.checkpoint,
      problems: store.problems,
      notes: store.notes,
    },
  }),
  verdict({ nodes, store }, sectionNumber) {
    const chains = nodes.every((i) => i.verdict.ok);
    // A store that never had a checkpoint (no signing key) is judged by its chains alone, as before
    // checkpoints: its pruned ranges are listed as unproven, not BROKEN. Once any exists, it counts.
    const holds = chains && (store.ok || store.checkpointsSeen === 0);
    const against =
      store.checkpoint === null ? '' : ` and the store matches checkpoint ${store.checkpoint.seq}`;
    return {
      holds,
      line: `Integrity: ${holds ? `every node's hash chain holds${against}` : `BROKEN${chains ? ' against the signed checkpoint' : ' on at least one node'} (see section ${sectionNumber})`}`,
    };
  },
});

/** The checkpoint verified against, by sequence, time, hash and signing key id (fingerprint). */
function checkpointLine(store: StoreVerdict): string {
  const c = store.checkpoint;
  if (c === null && store.checkpointsSeen > 0) {
    return `Signed checkpoint: none of the ${store.checkpointsSeen} stored verifies (see the problems below).`;
  }
  if (c === null) {
    return 'Signed checkpoint: none in the store (checkpoints are off or none was written yet): only the unkeyed hash chains above were checked.';
  }
  return `Signed checkpoint verified against: sequence ${c.seq} at ${new Date(c.atMs).toISOString()}, hash ${c.hash}, signing key id (SHA-256 of the public key) ${c.keyId}: ${store.ok ? 'the store verifies against it (as `perimeter-collector verify`)' : `${store.problems.length} problem(s)`}.`;
}
