import { PerimeterHeaders, ResourceAttributeNames } from '@perimeter/schema';
import { Hono } from 'hono';
import { HttpError } from '../http/errors.ts';
import { type BodyLimits, readBody } from '../http/read-body.ts';
import type { SelfMetrics } from '../metrics/self-metrics.ts';
import type { DecodedRequest, Signal } from '../otlp/types.ts';
import { payloadAtRest } from '../store/payload-at-rest.ts';
import type { Store, WriteOutcome } from '../store/store.ts';
import { type AdmissionPolicy, admitItems, DEFAULT_ADMISSION } from './admission.ts';
import {
  createMetricsAttributeSets,
  encodeOtlpResponse,
  parseContentType,
  parseOtlpRequest,
} from './parse-request.ts';

/**
 * POST /v1/metrics and /v1/logs. Invariant: the 2xx is sent only after the store has committed
 * the transaction holding the batch (`store.writeBatchGrouped`); every refusal happens before the store is touched, so a bad request changes nothing.
 */
export interface IngestDeps {
  store: Store;
  metrics: SelfMetrics;
  limits: BodyLimits & { maxItemsPerRequest: number };
  /** Per-item bounds (time window, series, attributes); default DEFAULT_ADMISSION. */
  admission?: AdmissionPolicy;
  nowMs: () => number;
  onStored?: (event: StoredBatchEvent) => void;
}

export interface StoredBatchEvent {
  nodeId: string;
  signal: Signal;
  outcome: WriteOutcome;
  request: DecodedRequest;
  /**
   * The newest point time the node sent, before admission removed refused points: a node whose
   * clock runs an hour ahead has every point refused, and the clock-skew gauge must still see it.
   */
  newestPointTimeMs: number | null;
}

/** The newest point time in the request, or null where it holds no point. */
function newestPointTime(request: DecodedRequest): number | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const resource of request.resources) {
    for (const point of resource.points) {
      if (point.timeMs > newest) newest = point.timeMs;
    }
  }
  return Number.isFinite(newest) ? newest : null;
}

const STREAM_ID_PATTERN = /^[A-Za-z0-9-]{8,64}$/;

export function ingestRoutes(deps: IngestDeps): Hono {
  const app = new Hono();
  const attributeSets = createMetricsAttributeSets();
  for (const signal of ['metrics', 'logs'] as const) {
    app.post(`/v1/${signal}`, async (c) => {
      const token = c.get('token');
      const encoding = parseContentType(c.req.header('content-type'));
      const { streamId, seq } = parseStreamHeaders(
        c.req.header(PerimeterHeaders.stream),
        c.req.header(PerimeterHeaders.seq),
      );
      const body = await readBody(
        c.req.raw,
        deps.limits,
        (c.env as { incoming?: unknown } | undefined)?.incoming,
      );
      // Compressed and hashed for the store on the payload worker while this thread decodes.
      const atRest = payloadAtRest(body.wire, body.encoding);
      atRest.catch(() => undefined); // awaited below; a refused body (400) never awaits it
      const receivedAtMs = deps.nowMs();
      const request = parseOtlpRequest(signal, encoding, body.plain, receivedAtMs, attributeSets);
      checkItemCount(request, deps.limits.maxItemsPerRequest);
      checkNodeIdentity(request, token.nodeId, signal);
      const malformedItems = request.rejectedItems;
      const newestPointTimeMs = newestPointTime(request);
      const refused = admitItems(
        request,
        token.nodeId,
        receivedAtMs,
        deps.admission ?? DEFAULT_ADMISSION,
        deps.store.series,
      );

      const { payload, contentEncoding, payloadDigest } = await atRest;
      const outcome = await writeOrShed(deps.store, {
        nodeId: token.nodeId,
        streamId,
        seq,
        signal,
        receivedAtMs,
        contentType: encoding === 'json' ? 'application/json' : 'application/x-protobuf',
        contentEncoding,
        payload,
        payloadDigest,
        resources: request.resources,
      });
      if (outcome.outcome === 'foreign-stream') {
        throw new HttpError(403, `stream ${streamId} belongs to another node`, {
          code: 'foreign_stream',
          field: PerimeterHeaders.stream,
        });
      }
      deps.metrics.batches.inc({ signal, result: outcome.outcome });
      if (outcome.outcome === 'stored') {
        if (outcome.points > 0) {
          deps.metrics.points.inc({ signal }, outcome.points);
        }
        if (outcome.events > 0) {
          deps.metrics.events.inc({ signal }, outcome.events);
        }
        if (outcome.gap) {
          deps.metrics.gaps.inc({ node: token.nodeId });
        }
        if (malformedItems > 0) {
          deps.metrics.rejects.inc({ reason: 'partial_item' }, malformedItems);
        }
        for (const [reason, count] of refused) {
          deps.metrics.rejects.inc({ reason }, count);
        }
        deps.onStored?.({ nodeId: token.nodeId, signal, outcome, request, newestPointTimeMs });
      }
      const response = encodeOtlpResponse(signal, encoding, request.rejectedItems, request.rejectionMessages);
      return c.body(response as string, 200, {
        'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      });
    });
  }
  return app;
}

function parseStreamHeaders(
  stream: string | undefined,
  seqText: string | undefined,
): { streamId: string; seq: number | null } {
  if (stream === undefined && seqText === undefined) {
    return { streamId: '', seq: null };
  }
  if (stream === undefined || !STREAM_ID_PATTERN.test(stream)) {
    throw new HttpError(
      400,
      `${PerimeterHeaders.stream} must be 8-64 letters, digits or dashes (a uuid) when sequencing is used`,
      {
        code: 'invalid_header',
        field: PerimeterHeaders.stream,
      },
    );
  }
  const seq = seqText === undefined ? Number.NaN : Number(seqText);
  if (!/^\d{1,15}$/.test(seqText ?? '') || !Number.isSafeInteger(seq) || seq < 1) {
    throw new HttpError(400, `${PerimeterHeaders.seq} must be a positive integer`, {
      code: 'invalid_header',
      field: PerimeterHeaders.seq,
    });
  }
  return { streamId: stream, seq };
}

function checkItemCount(request: DecodedRequest, maxItems: number): void {
  let items = request.rejectedItems;
  for (const resource of request.resources) {
    items += resource.points.length + resource.events.length;
  }
  if (items > maxItems) {
    throw new HttpError(
      413,
      `request carries ${items} items, over the limit of ${maxItems}; send smaller batches`,
      {
        code: 'too_many_items',
        field: 'body',
      },
    );
  }
}

/** A node token ingests only for its own node: a resource naming another node is refused whole. */
function checkNodeIdentity(request: DecodedRequest, tokenNodeId: string, signal: Signal): void {
  request.resources.forEach((resource, index) => {
    const claimed = resource.attributes[ResourceAttributeNames.nodeId];
    if (claimed !== undefined && claimed !== tokenNodeId) {
      throw new HttpError(
        403,
        `resource claims node "${String(claimed)}" but the token belongs to node "${tokenNodeId}"`,
        {
          code: 'wrong_node',
          field: `resource${signal === 'metrics' ? 'Metrics' : 'Logs'}[${index}].resource.attributes[${ResourceAttributeNames.nodeId}]`,
        },
      );
    }
  });
}

async function writeOrShed(store: Store, batch: Parameters<Store['writeBatch']>[0]): Promise<WriteOutcome> {
  try {
    // Grouped: requests arriving together share one commit (one fsync); each still answers only
    // after the commit that holds its batch.
    return await store.writeBatchGrouped(batch);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    // Busy or full storage is the collector's problem, not the client's: ask it to come back later.
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR')) {
      throw new HttpError(503, `store unavailable (${code}); retry later`, {
        code: 'store_unavailable',
        retryAfterSeconds: 5,
        cause: error,
      });
    }
    throw error;
  }
}
