#!/usr/bin/env node
/**
 * A test upstream in its own process: an OTLP/HTTP receiver on loopback that decodes protobuf and
 * JSON (gzip or not), and records every resource it stored as one JSON line in a file (node,
 * stream, seq, signal, items), appended and flushed before it answers 200. Its behaviour is set at
 * run time by POST /control {mode, retryAfter?, count?}: ok, 503 (with Retry-After), 429, 400,
 * partial (200 with partial_success), hang (never answers), reset (destroys the socket).
 * `count` limits a mode to that many requests, then it returns to ok. GET /stats answers
 * {mode, requests, stored} (stored: resources recorded, one per forwarded batch).
 * Usage: node upstream-server.ts PORT RECORD_FILE
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { OtlpTypes } from '@perimeter/collector';

const [portText, recordFile] = process.argv.slice(2);
let mode = 'ok';
let retryAfter = '1';
let remaining = Number.POSITIVE_INFINITY;
let requests = 0;
/** Resources recorded so far (one per forwarded batch): what /stats reports as `stored`. */
let stored = 0;

interface Attr {
  key: string;
  value?: { stringValue?: string; intValue?: string | number };
}

function recordResources(signal: string, message: Record<string, unknown>): number {
  const list = (message[signal === 'metrics' ? 'resourceMetrics' : 'resourceLogs'] ?? []) as Array<
    Record<string, unknown>
  >;
  let lines = '';
  for (const resource of list) {
    const attrs = ((resource.resource as { attributes?: Attr[] } | undefined)?.attributes ?? []) as Attr[];
    const get = (key: string) => {
      const value = attrs.find((attr) => attr.key === key)?.value;
      return value?.stringValue ?? (value?.intValue === undefined ? null : Number(value.intValue));
    };
    let items = 0;
    let firstTime: string | null = null;
    const scopes = (resource[signal === 'metrics' ? 'scopeMetrics' : 'scopeLogs'] ?? []) as Array<
      Record<string, unknown>
    >;
    for (const scope of scopes) {
      if (signal === 'logs') {
        const records = (scope.logRecords ?? []) as Array<{ timeUnixNano?: unknown }>;
        items += records.length;
        firstTime ??= records[0] ? String(records[0].timeUnixNano) : null;
      } else {
        for (const metric of (scope.metrics ?? []) as Array<
          Record<string, { dataPoints?: Array<{ timeUnixNano?: unknown }> }>
        >) {
          const points = (metric.gauge ?? metric.sum)?.dataPoints ?? [];
          items += points.length;
          firstTime ??= points[0] ? String(points[0].timeUnixNano) : null;
        }
      }
    }
    lines += `${JSON.stringify({ signal, node: get('perimeter.node.id'), stream: get('perimeter.stream.id'), seq: get('perimeter.batch.seq'), items, firstTime })}\n`;
  }
  appendFileSync(recordFile as string, lines);
  stored += list.length;
  return list.length;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.url === '/control') {
      const control = JSON.parse(body.toString('utf8')) as {
        mode: string;
        retryAfter?: string;
        count?: number;
      };
      mode = control.mode;
      retryAfter = control.retryAfter ?? '1';
      remaining = control.count ?? Number.POSITIVE_INFINITY;
      res.end(JSON.stringify({ mode, requests }));
      return;
    }
    if (req.url === '/stats') {
      res.end(JSON.stringify({ mode, requests, stored }));
      return;
    }
    const signal = req.url === '/v1/metrics' ? 'metrics' : req.url === '/v1/logs' ? 'logs' : null;
    if (!signal) {
      res.writeHead(404).end();
      return;
    }
    requests++;
    let current = mode;
    if (current !== 'ok' && --remaining <= 0) {
      mode = 'ok';
    }
    if (current === 'hang') {
      return;
    }
    if (current === 'reset') {
      req.socket.destroy();
      return;
    }
    if (current === '503' || current === '429') {
      res.writeHead(Number(current), { 'retry-after': retryAfter }).end('try later');
      return;
    }
    if (current === '400') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad data, will never succeed');
      return;
    }
    const plain = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
    const json = (req.headers['content-type'] ?? '').includes('json');
    const type = signal === 'metrics' ? OtlpTypes.metricsRequest : OtlpTypes.logsRequest;
    const message = (
      json ? JSON.parse(plain.toString('utf8')) : type.toObject(type.decode(plain), { longs: String })
    ) as Record<string, unknown>;
    recordResources(signal, message);
    const partial =
      current === 'partial'
        ? {
            partialSuccess: { rejectedDataPoints: '2', rejectedLogRecords: '2', errorMessage: 'two refused' },
          }
        : {};
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(partial));
    current = 'ok';
  });
});
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'));
