import { ResourceAttributeNames } from '@perimeter/schema';
import type { ResourceAttribute } from '../otlp/otlp-wire.ts';
import type { StoredBatch } from './types.ts';

/**
 * What a forwarded batch carries besides its own data: the node (from the token that sent it),
 * its stream and its sequence number, as resource attributes, so an archive downstream can put a
 * node's batches in order and see a gap (`perimeter.batch.seq` skipping) without this store.
 */
export function batchAttributes(batch: StoredBatch): ResourceAttribute[] {
  const attributes: ResourceAttribute[] = [[ResourceAttributeNames.nodeId, batch.nodeId]];
  if (batch.streamId !== '') {
    attributes.push([ResourceAttributeNames.streamId, batch.streamId]);
  }
  if (batch.seq !== null) {
    attributes.push([ResourceAttributeNames.batchSeq, batch.seq]);
  }
  return attributes;
}
