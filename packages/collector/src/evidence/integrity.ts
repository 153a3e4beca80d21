import { walkStoredChain } from '../replay/store-chain-walk.ts';
import type { IntegrityVerdict } from '../replay/types.ts';
import type { ChainReads } from '../store/chain-reads.ts';

/**
 * One node's whole hash chain, genesis to head, checked by the same walk replay makes
 * (../replay/store-chain-walk.ts) over the same rows: the payload bytes, the sample block or
 * events beside each batch, the pruned ranges (forward quota and retention) and the node's
 * recorded head. Unlike replay it keeps nothing of the data, so a 90-day store is one streaming
 * pass per node. Read-only. The integrity section (sections/integrity.ts) calls it per node.
 */
export function verifyNodeChain(
  chain: ChainReads,
  nodeId: string,
  onProgress?: (verified: number) => void,
): IntegrityVerdict {
  const head = chain.nodeHead(nodeId) ?? null;
  return walkStoredChain(chain, {
    nodeId,
    prunedRows: chain.prunedRanges(nodeId),
    head,
    placeOrphans: false,
    onBatch: (_batch, _own, verified) => {
      if (onProgress && (verified & 8191) === 0) {
        onProgress(verified);
      }
    },
  });
}
