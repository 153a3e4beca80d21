import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * One POST with a deadline, over node:http(s) (fetch cannot take a CA or client certificate
 * without undici's dispatcher). Outcomes are data: a response, whatever its status, or a
 * network error (refused, reset, timed out) that the caller retries.
 */
export type PostResult =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: Buffer }
  | { kind: 'network-error'; message: string };

export interface TlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  serverName?: string | undefined;
}

export interface HttpPoster {
  post(url: string, headers: Record<string, string>, body: Uint8Array): Promise<PostResult>;
  close(): void;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export function createHttpPoster(options: { timeoutMs: number; tls?: TlsFiles | undefined }): HttpPoster {
  const tls = options.tls;
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets: 64,
    ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
    ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
    ...(tls?.serverName ? { servername: tls.serverName } : {}),
  });
  const inFlight = new Set<{ destroy(error?: Error): void }>();
  return {
    post(url, headers, body) {
      return new Promise<PostResult>((resolve) => {
        const target = new URL(url);
        const secure = target.protocol === 'https:';
        let settled = false;
        const finish = (result: PostResult) => {
          if (!settled) {
            settled = true;
            clearTimeout(deadline);
            inFlight.delete(req);
            resolve(result);
          }
        };
        const req = (secure ? httpsRequest : httpRequest)(
          target,
          {
            method: 'POST',
            agent: secure ? httpsAgent : httpAgent,
            headers: { ...headers, 'content-length': String(body.byteLength) },
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.byteLength;
              if (size <= MAX_RESPONSE_BYTES) {
                chunks.push(chunk);
              }
            });
            response.on('end', () =>
              finish({
                kind: 'response',
                status: response.statusCode ?? 0,
                headers: response.headers,
                body: Buffer.concat(chunks),
              }),
            );
            response.on('error', (error) => finish({ kind: 'network-error', message: error.message }));
          },
        );
        inFlight.add(req);
        // One deadline for the whole exchange: a server that accepts and then hangs is a timeout too.
        const deadline = setTimeout(() => {
          req.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        req.on('error', (error) => finish({ kind: 'network-error', message: error.message }));
        req.end(body);
      });
    },
    close() {
      for (const req of inFlight) {
        req.destroy(new Error('forwarder stopped'));
      }
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
