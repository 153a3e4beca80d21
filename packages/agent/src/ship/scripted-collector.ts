import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { onRequestBody } from '@perimeter/schema/test-support';

/**
 * Test support (not used by the agent itself): a real loopback HTTP server that answers from a
 * script, so shipper and end-to-end tests exercise real sockets, real status codes and real
 * refused connections instead of a mocked fetch. Bodies are recorded after gunzip.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Body as sent on the wire. */
  raw: Buffer;
  /** Body after Content-Encoding: gzip was undone. */
  body: Buffer;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | Uint8Array }
  /** Close the socket without answering (a crash or reset mid-request). */
  | 'destroy'
  /** Never answer (until the server is closed): exercises timeouts and in-flight state. */
  | 'hang';

export type Script = (request: RecordedRequest, index: number) => Reply;

export interface ScriptedCollector {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  setScript(script: Script): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stops listening and cuts every open connection (in-flight requests see a reset). */
  close(): Promise<void>;
}

export const answerOk: Script = () => ({ status: 200 });

export function scriptFromList(replies: Reply[], then: Script = answerOk): Script {
  return (request, index) => replies[index] ?? then(request, index);
}

export async function startScriptedCollector(
  script: Script = answerOk,
  port = 0,
): Promise<ScriptedCollector> {
  let current = script;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    onRequestBody(req, (raw, body) => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body };
      requests.push(recorded);
      for (const notify of waiters) notify();
      answer(res, current(recorded, requests.length - 1));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    setScript(next) {
      current = next;
    },
    waitForRequests(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(requests.slice());
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function findClosedPort(): Promise<number> {
  const probe = await startScriptedCollector();
  await probe.close();
  return probe.port;
}

function answer(res: ServerResponse, reply: Reply): void {
  if (reply === 'hang') {
    return;
  }
  if (reply === 'destroy') {
    res.socket?.destroy();
    return;
  }
  res.writeHead(reply.status, reply.headers ?? {});
  res.end(reply.body ?? '');
}
