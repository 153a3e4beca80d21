import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postExport } from './export-request.ts';
import { createHttpClient } from './http-client.ts';

// Real loopback HTTP: each path answers the way an upstream can.
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => res.writeHead(200).end(),
  '/partial': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ partialSuccess: { rejectedDataPoints: '4', errorMessage: 'NaN' } })),
  '/busy': (_req, res) => res.writeHead(503, { 'retry-after': '7' }).end('shedding load'),
  '/limited': (_req, res) => res.writeHead(429, { 'retry-after': 'Mon, 23 Nov 2026 06:00:30 GMT' }).end(),
  '/bad': (_req, res) => res.writeHead(400).end('{"error":"resourceMetrics: expected array"}'),
  '/token': (_req, res) => res.writeHead(401).end(),
  '/crash': (_req, res) => res.writeHead(500).end(),
  '/hang': () => {},
  '/echo': (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => res.writeHead(200, { 'x-got': Buffer.concat(chunks).toString('utf8') }).end());
  },
};
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => routes[req.url ?? '']?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const now = Date.parse('2026-11-23T06:00:00Z');
const post = (path: string, protocol: 'otlp' | 'remote-write' = 'otlp', timeoutMs = 2_000) => {
  const http = createHttpClient();
  return postExport(http, `${base}${path}`, {
    headers: { 'content-type': 'application/x-protobuf' },
    body: new Uint8Array([1, 2, 3]),
    timeoutMs,
    protocol,
    nowMs: () => now,
  }).finally(() => http.close());
};

describe('postExport', () => {
  it('answers ok, with the partial success an OTLP upstream reported', async () => {
    expect(await post('/ok')).toEqual({ kind: 'ok', status: 200 });
    expect(await post('/partial')).toEqual({
      kind: 'ok',
      status: 200,
      partial: { rejected: 4, message: 'NaN' },
    });
  });

  it('retries 503 and 429 with their Retry-After, in either form', async () => {
    expect(await post('/busy')).toEqual({
      kind: 'retryable',
      status: 503,
      retryAfterMs: 7_000,
      detail: 'HTTP 503: shedding load',
    });
    expect(await post('/limited')).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 30_000 });
  });

  it('refuses 400 with the upstream text, tells 401 apart, and retries a 500 only for remote write', async () => {
    expect(await post('/bad')).toEqual({
      kind: 'rejected',
      status: 400,
      detail: 'HTTP 400: {"error":"resourceMetrics: expected array"}',
    });
    expect(await post('/token')).toMatchObject({ kind: 'auth', status: 401 });
    expect(await post('/crash')).toMatchObject({ kind: 'rejected', status: 500 });
    expect(await post('/crash', 'remote-write')).toMatchObject({ kind: 'retryable', status: 500 });
  });

  it('turns a refused connection and a hung server into retryable network errors', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const http = createHttpClient();
    const refused = await postExport(http, `http://127.0.0.1:${port}/v1/metrics`, {
      headers: {},
      body: new Uint8Array(),
      timeoutMs: 1_000,
      protocol: 'otlp',
      nowMs: () => now,
    });
    http.close();
    expect(refused).toMatchObject({
      kind: 'retryable',
      status: 'network-error',
      networkCode: 'ECONNREFUSED',
    });
    expect(refused.kind !== 'ok' && refused.detail).toMatch(/ECONNREFUSED/);
    expect(await post('/hang', 'otlp', 100)).toEqual({
      kind: 'retryable',
      status: 'network-error',
      detail: 'request timed out',
    });
  });

  it('sends the body as given, with its length', async () => {
    const http = createHttpClient();
    const answer = await http.request(`${base}/echo`, {
      method: 'POST',
      body: new TextEncoder().encode('hello'),
      timeoutMs: 1_000,
    });
    http.close();
    expect(answer.headers['x-got']).toBe('hello');
  });
});
