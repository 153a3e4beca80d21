import { collectorConfigSchema } from '@perimeter/schema';
import { pino } from 'pino';
import { type RunningCollector, startCollector } from '../serve.ts';
import { openStore } from '../store/store.ts';
import { createToken, type TokenRole } from '../tokens/token-store.ts';
import { postOtlpJson } from './post-otlp.ts';

/**
 * The real `serve` path in-process: a loopback socket, the real store on a data directory the
 * test owns (so a test can stop and start again on the same files), real tokens.
 */
export async function startLoopbackCollector(dataDir: string): Promise<RunningCollector> {
  const config = collectorConfigSchema.parse({ listen: '127.0.0.1:0', dataDir });
  return startCollector(config, pino({ level: 'silent' }));
}

/** Issues tokens before the collector starts (as `perimeter-collector tokens create` would). */
export function issueTokens(
  dataDir: string,
  wanted: Array<{ nodeId: string; role: TokenRole }>,
): Record<string, string> {
  const store = openStore({ dataDir, synchronous: 'NORMAL' });
  const tokens: Record<string, string> = {};
  for (const { nodeId, role } of wanted) {
    tokens[`${nodeId}/${role}`] = createToken(store, {
      nodeId,
      role,
      actor: 'test',
      nowMs: Date.now(),
    }).token;
  }
  void store.close();
  return tokens;
}

export async function postLogs(
  url: string,
  token: string,
  body: string,
  sequence?: { stream: string; seq: number },
): Promise<Response> {
  return postOtlpJson(url, 'logs', token, body, sequence);
}

export async function postMetrics(url: string, token: string, body: string): Promise<Response> {
  return postOtlpJson(url, 'metrics', token, body);
}

/**
 * An OTLP/JSON logs request: one resource, one log record per event, `event.name` as an attribute.
 * Whole numbers go as `intValue` (a decimal string, as OTLP/JSON writes int64), others as `doubleValue`.
 */
export function jsonEvents(options: {
  nodeId: string;
  events: Array<{ name: string; timeMs: number; attributes: Record<string, string | number> }>;
}): string {
  const attributeList = (attributes: Record<string, string | number>) =>
    Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: attributeList({ 'perimeter.node.id': options.nodeId }) },
        scopeLogs: [
          {
            scope: { name: 'test' },
            logRecords: options.events.map((event) => ({
              timeUnixNano: `${BigInt(event.timeMs) * 1_000_000n}`,
              attributes: attributeList({ 'event.name': event.name, ...event.attributes }),
            })),
          },
        ],
      },
    ],
  });
}

function anyValue(value: string | number): Record<string, string | number> {
  if (typeof value === 'string') return { stringValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}
