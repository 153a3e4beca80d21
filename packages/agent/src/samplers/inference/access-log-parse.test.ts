import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJsonAccessLine } from './access-log-parse.ts';

const lines = (name: string) =>
  readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
const nowMs = Date.UTC(2026, 11, 4, 18);

describe('nginx-json (real nginx 1.22 escape=json output)', () => {
  const [accepted, refused, mapped, stolen, escaped] = lines('nginx-access.log');

  it('reads a Basic-auth request with its user, sizes and duration', () => {
    expect(parseJsonAccessLine(accepted ?? '', 'nginx-json', { nowMs })).toEqual({
      timeMs: Date.UTC(2026, 11, 4, 17, 15, 19),
      user: 'alice',
      client: '127.0.0.1',
      method: 'POST',
      route: '/api/generate',
      status: 200,
      requestBytes: 260,
      responseBytes: 72,
      durationS: 0.001,
    });
    expect(parseJsonAccessLine(refused ?? '', 'nginx-json', { nowMs })).toMatchObject({
      user: 'alice',
      status: 401,
    });
  });

  it('takes the user from the configured field (a token→user map), never the token', () => {
    expect(parseJsonAccessLine(mapped ?? '', 'nginx-json', { userField: 'ai_user', nowMs })).toMatchObject({
      user: 'bob@corp',
      route: '/v1/chat/completions',
    });
    expect(parseJsonAccessLine(mapped ?? '', 'nginx-json', { nowMs })?.user).toBeNull();
  });

  it('drops the query, so an api_key in it never leaves the node', () => {
    const request = parseJsonAccessLine(stolen ?? '', 'nginx-json', { userField: 'ai_user', nowMs });
    expect(request).toMatchObject({ user: null, route: '/v1/chat/completions', status: 401 });
    expect(JSON.stringify(request)).not.toContain('sk-proj');
  });

  it('unescapes escape=json values', () => {
    expect(parseJsonAccessLine(escaped ?? '', 'nginx-json', { nowMs })?.user).toBe('al"ice\\x');
  });

  it('redacts a user field that holds a credential, and a key in a path segment', () => {
    const line = JSON.stringify({
      time_local: '04/Dec/2026:18:15:19 +0100',
      remote_addr: '10.0.0.5',
      remote_user: 'Bearer sk-live-0123456789abcdef',
      request_method: 'GET',
      request_uri: '/key/sk-live-0123456789abcdef/info',
      status: '403',
      request_time: '0.010',
    });
    expect(parseJsonAccessLine(line, 'nginx-json', { nowMs })).toMatchObject({
      timeMs: Date.UTC(2026, 11, 4, 17, 15, 19),
      user: '[redacted]',
      route: '/key/[redacted]/info',
      status: 403,
      durationS: 0.01,
    });
  });

  it('skips lines that are not requests', () => {
    for (const line of ['', 'GET / HTTP/1.1', '{"status":200}', '{not json', '[]', 'null'])
      expect(parseJsonAccessLine(line, 'nginx-json', { nowMs })).toBeNull();
  });
});

describe('caddy-json and traefik-json', () => {
  it('reads a real Caddy access line', () => {
    const [line] = lines('caddy-access.log');
    expect(parseJsonAccessLine(line ?? '', 'caddy-json', { nowMs })).toEqual({
      timeMs: 1726651920369,
      user: null,
      client: 'x.x.x.x',
      method: 'GET',
      route:
        '/prometheus/cadvisor/src/commit/09f63dbfd2b38e76c204c8809fb4c2d1c9ad5879/vendor/github.com/golang/snappy/decode.go',
      status: 200,
      requestBytes: 0,
      responseBytes: 0,
      durationS: 0.003550188,
    });
  });

  it('reads a Traefik line (constructed from its documented field names), duration from ns', () => {
    const line = JSON.stringify({
      ClientHost: '192.0.2.7',
      ClientUsername: 'carol',
      RequestMethod: 'POST',
      RequestPath: '/v1/completions?token=abc',
      DownstreamStatus: 200,
      DownstreamContentSize: 512,
      RequestContentSize: 128,
      Duration: 1_500_000_000,
      StartUTC: '2026-12-04T17:00:00.123456789Z',
    });
    expect(parseJsonAccessLine(line, 'traefik-json', { nowMs })).toEqual({
      timeMs: Date.UTC(2026, 11, 4, 17, 0, 0, 123),
      user: 'carol',
      client: '192.0.2.7',
      method: 'POST',
      route: '/v1/completions',
      status: 200,
      requestBytes: 128,
      responseBytes: 512,
      durationS: 1.5,
    });
  });
});
