import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

// Test support only, imported as `@perimeter/schema/test-support` (never by the agent or the
// collector themselves): what the loopback servers standing in for the other end of the OTLP
// client (@perimeter/schema/otlp) share: the agent's scripted collector and the collector's
// loopback upstream for its forward sinks.

/**
 * Reads a request body whole, then calls `then` with the bytes as sent and the body gunzipped
 * when it came with `content-encoding: gzip` (as the OTLP client sends it), else the same bytes.
 */
export function onRequestBody(request: IncomingMessage, then: (raw: Buffer, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const raw = Buffer.concat(chunks);
    then(raw, request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
  });
}
