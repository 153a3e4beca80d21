import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';

// node:http is loaded with require(), not `import`: Node 22 builds an ES module namespace by reading
// every export, and node:http's lazy `WebSocket` getter then loads undici (and compiles its llhttp
// wasm) — about 9 MiB of resident memory on every node for a client the agent never uses.
// require() leaves the getter untouched. test/e2e/agent-bundle.test.ts fails if undici comes back.
const { Agent: HttpAgent, request: httpRequest } = createRequire(import.meta.url)(
  'node:http',
) as typeof import('node:http');

/**
 * The agent's one HTTP client (shipping to the collector, reading macmon serve), on node:http(s)
 * rather than fetch: fetch cannot take a private CA or a client certificate without undici's
 * dispatcher, and loading undici costs the agent about 15 MB of resident memory on every node.
 * Keep-alive agents reuse one connection per collector. Every failure is an exception with the
 * errno or "timed out"; the callers turn them into outcomes.
 */
export interface TlsOptions {
  /** PEM file of the CA that signed the collector's certificate (default: the system's CAs). */
  ca?: string | undefined;
  /** PEM files of this node's client certificate and key, for mTLS. */
  cert?: string | undefined;
  key?: string | undefined;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Responses larger than this are cut off with an error (a wrong port that streams forever). */
  maxResponseBytes?: number;
}

export interface HttpClient {
  request(url: string, request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export function createHttpClient(tls: TlsOptions = {}): HttpClient {
  const http = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  const https = new HttpsAgent({
    keepAlive: true,
    maxSockets: 4,
    ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
    ...(tls.key ? { key: readFileSync(tls.key) } : {}),
  });
  return {
    request(url, options) {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const limit = options.maxResponseBytes ?? 4 * 1024 * 1024;
      return new Promise<HttpResponse>((resolve, reject) => {
        const req = send(
          target,
          {
            method: options.method,
            headers: {
              ...options.headers,
              ...(options.body ? { 'content-length': String(options.body.byteLength) } : {}),
            },
            agent: secure ? https : http,
            ...(options.signal ? { signal: options.signal } : {}),
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > limit) {
                req.destroy(new Error(`response larger than ${limit} bytes`));
                return;
              }
              chunks.push(chunk);
            });
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                body: Buffer.concat(chunks),
              }),
            );
            response.on('error', reject);
          },
        );
        req.setTimeout(options.timeoutMs, () => req.destroy(new HttpTimeoutError('request timed out')));
        req.on('error', reject);
        req.end(options.body);
      });
    },
    close() {
      http.destroy();
      https.destroy();
    },
  };
}
