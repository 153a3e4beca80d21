import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchText } from './fetch-text.ts';

// Real HTTP on loopback: a tiny server answering like `macmon serve` does, and like the ways it fails.
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('macmon_cpu_temp_celsius{chip="x"} 41\n');
    } else if (req.url === '/warming') {
      res.writeHead(503).end('{"error":"no data yet"}');
    } else if (req.url === '/huge') {
      res.writeHead(200);
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 40; i += 1) res.write(chunk);
      res.end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('late'), 2_000);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('createFetchText', () => {
  const fetchText = createFetchText({ timeoutMs: 1_000 });

  it('returns the body of a 200', async () => {
    expect(await fetchText(`${base}/metrics`)).toEqual({
      status: 'ok',
      body: 'macmon_cpu_temp_celsius{chip="x"} 41\n',
    });
  });

  it('reports a non-2xx answer by its code (macmon serve answers 503 before its first sample)', async () => {
    expect(await fetchText(`${base}/warming`)).toEqual({ status: 'http-error', code: 503 });
  });

  it('reports a closed port as unreachable with the errno, not a throw', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await fetchText(`http://127.0.0.1:${port}/metrics`)).toEqual({
      status: 'unreachable',
      reason: 'ECONNREFUSED',
    });
  });

  it('gives up on a body over the cap instead of buffering it', async () => {
    const result = await fetchText(`${base}/huge`, { maxBytes: 1024 * 1024 });
    expect(result.status).toBe('unreachable');
    expect(result.status === 'unreachable' && result.reason).toContain('larger than 1048576 bytes');
  });

  it('times out a server that does not answer', async () => {
    expect(await fetchText(`${base}/slow`, { timeoutMs: 200 })).toEqual({ status: 'timeout', afterMs: 200 });
  });
});
