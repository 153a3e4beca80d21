import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGinLine, parseGoDuration } from './gin-line-parse.ts';

const log = readFileSync(new URL('testdata/ollama-server.log', import.meta.url), 'utf8').split('\n');
const nowMs = Date.UTC(2026, 0, 1);
const utc = { nowMs, offsetMinutes: () => 0 };

describe("Ollama's [GIN] lines (real lines from ollama's tests and issues)", () => {
  it('reads every request line and nothing else', () => {
    const requests = log.map((line) => parseGinLine(line, utc));
    expect(requests.filter((r) => r !== null)).toHaveLength(6);
    expect(requests.slice(0, 3)).toEqual([null, null, null]); // slog lines
  });

  it('reads status, latency, client, method and route; the zone it assumed is stated', () => {
    expect(parseGinLine(log[3] ?? '', utc)).toEqual({
      timeMs: Date.UTC(2025, 6, 1, 18, 0, 9),
      user: null,
      client: '100.126.204.152',
      method: 'HEAD',
      route: '/',
      status: 200,
      durationS: expect.closeTo(50.263e-6, 12),
      timeZoneAssumed: '+00:00',
    });
    // journald prefix before [GIN]
    expect(parseGinLine(log[4] ?? '', utc)).toMatchObject({
      method: 'POST',
      route: '/api/generate',
      status: 500,
      durationS: 1.332430527,
    });
  });

  it('reads the zone-less local time in the given zone (CET: one hour east of UTC)', () => {
    const request = parseGinLine(log[6] ?? '', { nowMs, offsetMinutes: () => 60 });
    expect(request?.timeMs).toBe(Date.UTC(2024, 7, 30, 9, 28, 57));
    expect(request?.timeZoneAssumed).toBe('+01:00');
  });

  it('strips ANSI colours and drops a query', () => {
    const coloured =
      '[GIN] 2024/08/30 - 10:28:57 |\u001b[97;42m 200 \u001b[0m|   82.985212ms |       127.0.0.1 |\u001b[97;46m POST    \u001b[0m "/api/pull?insecure=true&token=x"';
    expect(parseGinLine(coloured, utc)).toMatchObject({ status: 200, method: 'POST', route: '/api/pull' });
  });
});

describe('parseGoDuration', () => {
  it('reads Go durations', () => {
    expect(parseGoDuration('1m11s')).toBe(71);
    expect(parseGoDuration('82.985212ms')).toBeCloseTo(0.082985212, 12);
    expect(parseGoDuration('41.983µs')).toBeCloseTo(41.983e-6, 12);
    expect(parseGoDuration('1h2m3.5s')).toBe(3723.5);
    expect(parseGoDuration('12 parsecs')).toBeUndefined();
    expect(parseGoDuration('')).toBeUndefined();
  });
});
