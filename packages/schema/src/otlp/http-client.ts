import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';

// node:http is loaded with require(), not `import`: Node 22 builds an ES module namespace by reading
// every export, and node:http's lazy `WebSocket` getter then loads undici (and compiles its llhttp
// wasm) — about 9 MiB of resident memory on every agent for a client it never uses. require()
// leaves the getter untouched. test/e2e/agent-bundle.test.ts fails if undici comes back.
const { Agent: HttpAgent, request: httpRequest } = createRequire(import.meta.url)(
  'node:http',
) as typeof import('node:http');

/**
 * The one HTTP client of the agent (shipping, reading macmon serve) and the collector's forward
 * sinks, on node:http(s) rather than fetch: fetch cannot take a private CA or a client certificate
 * without undici's dispatcher, which also costs the agent about 15 MB of resident memory.
 * Keep-alive agents reuse connections. One deadline covers the whole exchange (a server that
 * accepts and then hangs is a timeout too). Every failure is an exception with the errno, or an
 * HttpTimeoutError; callers turn them into outcomes. close() ends requests still in flight.
 */
export interface TlsOptions {
  /** PEM file of the CA that signs the server's certificate (default: the system's CAs). */
  ca?: string | undefined;
  /** PEM files of this client's certificate and key, for mTLS. */
  cert?: string | undefined;
  key?: string | undefined;
  /** SNI / certificate name to check when it differs from the URL's host. */
  serverName?: string | undefined;
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
  /** Larger answers end with an error (a wrong port that streams forever). Default 4 MiB. */
  maxResponseBytes?: number;
}

export interface HttpClient {
  request(url: string, request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export interface HttpClientOptions {
  tls?: TlsOptions | undefined;
  /** Connections per origin (the agent ships one request at a time; the forwarder runs lanes). */
  maxSockets?: number;
}

export function createHttpClient({ tls, maxSockets = 4 }: HttpClientOptions = {}): HttpClient {
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({
    keepAlive: true,
    maxSockets,
    ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
    ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
    ...(tls?.serverName ? { servername: tls.serverName } : {}),
  });
  const inFlight = new Set<{ destroy(error?: Error): void }>();
  return {
    request(url, options) {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const limit = options.maxResponseBytes ?? 4 * 1024 * 1024;
      return new Promise<HttpResponse>((resolve, reject) => {
        const req = (secure ? httpsRequest : httpRequest)(
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
              settle(() =>
                resolve({
                  status: response.statusCode ?? 0,
                  headers: response.headers,
                  body: Buffer.concat(chunks),
                }),
              ),
            );
            response.on('error', (error) => settle(() => reject(error)));
          },
        );
        const deadline = setTimeout(
          () => req.destroy(new HttpTimeoutError('request timed out')),
          options.timeoutMs,
        );
        const settle = (finish: () => void) => {
          clearTimeout(deadline);
          inFlight.delete(req);
          finish();
        };
        inFlight.add(req);
        req.on('error', (error) => settle(() => reject(error)));
        req.end(options.body);
      });
    },
    close() {
      for (const req of inFlight) req.destroy(new Error('client closed'));
      http.destroy();
      https.destroy();
    },
  };
}
