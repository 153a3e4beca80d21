import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onRequestBody } from '@perimeter/schema/test-support';

/**
 * A real HTTP upstream on loopback for the forward sinks' tests: it records every request (body
 * gunzipped when sent gzipped) and answers from a script, one answer per request, then 200.
 */
export interface UpstreamAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** As sent on the wire (compressed when it was). */
  raw: Buffer;
  /** Gunzipped when `content-encoding: gzip`, else `raw`. */
  body: Buffer;
}

export interface LoopbackUpstream {
  url: string;
  received: ReceivedRequest[];
  /** Answers for the next requests, in order; once used up, every request gets 200. */
  script(...answers: UpstreamAnswer[]): void;
  /** Decides the answer from the request (after the script runs out). */
  answerWith(decide: (request: ReceivedRequest) => UpstreamAnswer): void;
  close(): Promise<void>;
}

export async function startLoopbackUpstream(): Promise<LoopbackUpstream> {
  const received: ReceivedRequest[] = [];
  const queue: UpstreamAnswer[] = [];
  let decide: (request: ReceivedRequest) => UpstreamAnswer = () => ({ status: 200 });
  const server = createServer((req, res) => {
    onRequestBody(req, (raw, body) => {
      const request = { path: req.url ?? '', headers: req.headers, raw, body };
      received.push(request);
      const answer = queue.shift() ?? decide(request);
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    script: (...answers) => queue.push(...answers),
    answerWith: (next) => {
      decide = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
