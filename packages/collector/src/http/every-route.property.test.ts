import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleDeps, consoleRoutes } from '../console/console-routes.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { revokeTokens } from '../tokens/token-store.ts';

/**
 * Every route the collector serves (issue 18: "property-based tests over every console and API
 * route"), found by asking the apps for their routes rather than listing them here, so a route
 * added later is covered without touching this file: the machine app (health, /metrics, the read
 * API, OTLP ingest) and the console app it hands every other path to (pages, JSON, sign-in,
 * assets). Each is called through the real app over a real store with arbitrary path parameters,
 * query strings, headers (credentials real and forged, content types and encodings, origins) and
 * bodies (none, text, bytes, JSON, forms, gzip, oversize). The answer is never a 5xx, and the
 * heap after thousands of such requests stays within a bound of where it was after the first few.
 */
let collector: TestCollector;
let credentials: Record<string, string>;
let routes: Array<{ method: string; path: string }>;

/** The routes an app answers, middleware (`use`) excluded; `ALL` handlers kept as any method. */
function routesOf(app: Hono): Array<{ method: string; path: string }> {
  return app.routes
    .filter((route) => route.method !== 'ALL' || route.handler.length < 2)
    .map((route) => ({ method: route.method, path: route.path }));
}

const RUNS_PER_ROUTE = 150;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
const HOSTILE_TEXT = [
  "' OR '1'='1",
  "'; DROP TABLE batches; --",
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  '%00',
  '\u0000',
  '\uD800',
  '😀'.repeat(20),
  '-1',
  '1e309',
  'NaN',
  '9'.repeat(400),
  'x'.repeat(5_000),
  'now',
  '-1h',
  '2026-11-23T06:00:00Z',
];
const text = fc.oneof(
  fc.constantFrom(...HOSTILE_TEXT),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const queryKey = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'from',
      'to',
      'format',
      'event',
      'metric',
      'events-only',
      'limit',
      'next',
      'node',
      'nodes',
      'v',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const body = fc.oneof(
  fc.constant(undefined),
  text,
  fc.uint8Array({ maxLength: 512 }),
  fc.json({ maxDepth: 4 }),
  fc
    .dictionary(fc.constantFrom('token', 'next', 'x'), text)
    .map((form) => new URLSearchParams(form).toString()),
  fc.constant(
    jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: Date.parse('2026-11-23T06:00:00Z') }] }),
  ),
  fc.constant('x'.repeat(2 * 1024 * 1024)),
);

// Real credentials most of the time, so requests reach the handlers and not only the auth gates
// (forged ones are soon answered 429 by the failed-auth limiter, which is part of what is tested).
const headers = fc.record(
  {
    authorization: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom('reader', 'admin', 'node').map((who) => `Bearer ${credentials[who]}`),
      },
      { weight: 1, arbitrary: fc.constant('revoked').map((who) => `Bearer ${credentials[who]}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'Bearer ',
          'Bearer pmt_0000000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
          'Basic Og==',
        ),
      },
      { weight: 1, arbitrary: text.map((value) => `Bearer ${value}`) },
    ),
    cookie: fc.oneof(
      { weight: 4, arbitrary: fc.constant('session') },
      { weight: 1, arbitrary: text.map((value) => `perimeter_session=${value}`) },
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/x-protobuf',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
      'application/json; charset=utf-16',
      '',
    ),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br', 'deflate, gzip', ''),
    origin: fc.constantFrom('http://localhost', 'http://evil.example', 'null'),
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none'),
    accept: fc.constantFrom('text/html', 'application/json', '*/*'),
    'x-perimeter-stream': text,
    'x-perimeter-seq': fc.oneof(text, fc.integer().map(String)),
    'x-forwarded-for': text,
  },
  { requiredKeys: [] },
);

/** Percent-encoded; a lone surrogate (which encodeURIComponent refuses) as invalid UTF-8 bytes. */
function percentEncoded(value: string): string {
  return [...value]
    .map((ch) => (/[\uD800-\uDFFF]/.test(ch) && ch.length === 1 ? '%ED%A0%80' : encodeURIComponent(ch)))
    .join('');
}

/** A concrete path for a route pattern: each `:param` (with or without a regex) and `*` arbitrary. */
function concretePath(pattern: string, values: string[]): string {
  let i = 0;
  const next = () => percentEncoded(values[i++ % values.length] ?? '');
  return pattern.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, next).replace(/\*/g, next);
}

const request = fc.record({
  route: fc.nat(),
  method: fc.constantFrom(...METHODS),
  params: fc.array(
    fc.oneof({ weight: 1, arbitrary: fc.constant('node-a') }, { weight: 2, arbitrary: text }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
  query: fc.array(fc.tuple(queryKey, text), { maxLength: 4 }),
  headers,
  body,
  gzip: fc.boolean(),
  // The peer address (as @hono/node-server hands it to the app): the limiters are keyed on it.
  address: fc.constantFrom('127.0.0.1', '::1', '192.0.2.7', '203.0.113.9', '::ffff:10.0.0.1'),
});

/** What @hono/node-server passes as env: the socket the limiters and the audit read the peer from. */
const peer = (address: string) => ({
  incoming: {
    socket: {
      remoteAddress: address,
      remotePort: 40_000,
      remoteFamily: address.includes(':') ? 'IPv6' : 'IPv4',
    },
  },
});
let signIns = 0;

async function call(input: typeof request extends fc.Arbitrary<infer T> ? T : never): Promise<number> {
  const route = routes[input.route % routes.length] as { method: string; path: string };
  const method = route.method === 'ALL' ? input.method : route.method;
  const query = new URLSearchParams(input.query).toString();
  const url = `${concretePath(route.path, input.params)}${query === '' ? '' : `?${query}`}`;
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    sent[name] = name === 'cookie' && value === 'session' ? (credentials['session'] as string) : value;
  }
  let payload: string | Uint8Array | undefined =
    typeof input.body === 'object' && !(input.body instanceof Uint8Array)
      ? JSON.stringify(input.body)
      : input.body;
  if (input.gzip && payload !== undefined) {
    payload = gzipSync(typeof payload === 'string' ? Buffer.from(payload) : payload);
    sent['content-encoding'] = 'gzip';
  }
  const canHaveBody = method !== 'GET' && method !== 'HEAD';
  let response: Response;
  try {
    response = await collector.app.request(
      url.startsWith('/') ? url : `/${url}`,
      {
        method,
        headers: sent,
        ...(canHaveBody && payload !== undefined ? { body: payload } : {}),
      },
      peer(input.address),
    );
  } catch (error) {
    // Only the client side may refuse to build such a request (a header value fetch rejects).
    if (error instanceof TypeError && /header|ByteString|Invalid/i.test(error.message)) return 0;
    throw error;
  }
  const answer = await response.text();
  if (route.path === '/sign-out' && sent['cookie'] === credentials['session']) {
    credentials['session'] = await signIn();
  }
  expect(
    response.status,
    `${method} ${url.slice(0, 200)} → ${response.status} ${answer.slice(0, 300)}`,
  ).toBeLessThan(500);
  return response.status;
}

/** A new console session for the reader (a request that signed out ended the last one). */
async function signIn(): Promise<string> {
  // From an address of its own: the hostile requests' failed sign-ins lock out theirs (by design).
  signIns++;
  const response = await collector.app.request(
    '/sign-in',
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: credentials['reader'] as string }).toString(),
    },
    peer(`198.51.100.${signIns % 250}`),
  );
  expect(response.status).toBe(303);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
const heapMiB = () => {
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
};

beforeAll(async () => {
  collector = createTestCollector();
  credentials = {
    reader: collector.tokenFor('auditor', 'reader'),
    admin: collector.tokenFor('root', 'admin'),
    node: collector.tokenFor('node-a'),
    revoked: collector.tokenFor('old', 'reader'),
  };
  revokeTokens(collector.store, { nodeId: 'old', actor: 'test', nowMs: collector.clock.nowMs });
  const at = collector.clock.nowMs;
  expect(
    (await collector.post('metrics', jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: at }] })))
      .status,
  ).toBe(200);
  credentials['session'] = await signIn();

  // The console is an app of its own behind the machine app; built here only to list its routes.
  const consoleApp = consoleRoutes({
    store: collector.store,
    verifyToken: () => null,
    nowMs: () => collector.clock.nowMs,
    log: pino({ level: 'silent' }),
    replay: {} as ConsoleDeps['replay'],
  });
  const seen = new Set<string>();
  routes = [...routesOf(collector.app), ...routesOf(consoleApp)].filter((route) => {
    const key = `${route.method} ${route.path}`;
    return !seen.has(key) && seen.add(key) !== undefined;
  });
});
afterAll(() => collector.close());

describe('every collector route under arbitrary requests (fast-check)', () => {
  it('finds the API, ingest, console, sign-in and /metrics routes from the apps themselves', () => {
    const paths = routes.map((route) => `${route.method} ${route.path}`);
    for (const expected of [
      'GET /metrics',
      'GET /healthz',
      'POST /v1/metrics',
      'POST /v1/logs',
      'GET /api/v1/nodes/:id/timeline',
      'GET /api/v1/drift',
      'POST /api/v1/forward/dead-letters/retry',
      'GET /',
      'GET /nodes/:id',
      'GET /alerts',
      'GET /sign-in',
      'POST /sign-in',
      'POST /sign-out',
      'GET /console/api/fleet',
    ]) {
      expect(paths).toContain(expected);
    }
  });

  it('never answers 5xx, and the heap stays bounded', async () => {
    // Each route in turn gets its own property run, so none is left to chance.
    const onRoute = (index: number) => request.map((input) => ({ ...input, route: index }));
    for (const index of routes.keys()) {
      for (const input of fc.sample(onRoute(index), 10)) await call(input);
    }
    const before = heapMiB();
    for (const index of routes.keys()) {
      await fc.assert(
        fc.asyncProperty(onRoute(index), async (input) => {
          await call(input);
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    const grown = heapMiB() - before;
    const requests = RUNS_PER_ROUTE * routes.length;
    expect(grown, `heap grew ${grown.toFixed(1)} MiB over ${requests} requests`).toBeLessThan(32);
  }, 240_000);
});
