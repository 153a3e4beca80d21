import { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { HttpError } from './errors.ts';

/**
 * Reads a request body under two limits, as the OTLP spec requires: the bytes on the wire, and the
 * bytes after gunzip (a 10 KB zip bomb must not become gigabytes in memory). zlib's
 * `maxOutputLength` stops inflation at the limit; nothing is buffered past either limit.
 */
export interface BodyLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
}

export interface ReceivedBody {
  /** Exactly what came over the wire: what the store keeps and hashes. */
  wire: Uint8Array;
  /** The decoded request bytes. */
  plain: Uint8Array;
  encoding: 'identity' | 'gzip';
}

/**
 * `incoming`: the Node request under @hono/node-server (`c.env.incoming`), read directly when it
 * is one and nothing has read it yet. The web stream over it costs a promise and a copy per chunk; for a
 * 190 KB body that was ~9% of the ingest thread. Without it (app.request in tests, other
 * runtimes) the web body is read, under the same limits.
 */
export async function readBody(
  request: Request,
  limits: BodyLimits,
  incoming?: unknown,
): Promise<ReceivedBody> {
  const encoding = parseContentEncoding(request.headers.get('content-encoding'));
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limits.maxBodyBytes) {
    throw tooLarge(`body of ${declared} bytes is over the ${limits.maxBodyBytes}-byte limit`);
  }
  const wire =
    incoming instanceof IncomingMessage && !incoming.readableDidRead
      ? await readIncoming(incoming, limits.maxBodyBytes)
      : await readLimited(request, limits.maxBodyBytes);
  if (encoding === 'identity') {
    if (wire.byteLength > limits.maxDecompressedBytes) {
      throw tooLarge(`body is over the ${limits.maxDecompressedBytes}-byte limit`);
    }
    return { wire, plain: wire, encoding };
  }
  const plain = await new Promise<Uint8Array>((resolve, reject) => {
    const options = {
      maxOutputLength: limits.maxDecompressedBytes,
      chunkSize: inflateChunkBytes(wire, limits.maxDecompressedBytes),
    };
    gunzip(wire, options, (error, result) => {
      if (!error) {
        resolve(result);
      } else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(tooLarge(`gzip body inflates past the ${limits.maxDecompressedBytes}-byte limit`));
      } else {
        reject(
          new HttpError(400, `body is not valid gzip: ${error.message}`, { code: 'bad_gzip', field: 'body' }),
        );
      }
    });
  });
  return { wire, plain, encoding };
}

/**
 * zlib's output buffer for one gunzip: the size the gzip trailer declares, so an ordinary body
 * inflates in one trip to the thread pool instead of one per 16 KB (a 190 KB OTLP/JSON body took
 * twelve, each a callback and a copy on the event loop). It is the sender's word: it only sizes the
 * buffer, within 64 bytes and 4 MiB; `maxOutputLength` still bounds what inflates.
 */
function inflateChunkBytes(wire: Uint8Array, maxBytes: number): number {
  const declared = gzipDeclaredBytes(wire);
  if (declared === undefined) return 16 * 1024;
  return Math.max(64, Math.min(declared + 64, maxBytes, 4 * 1024 * 1024));
}

/**
 * The inflated size a gzip stream's trailer declares (ISIZE: the last 4 bytes, the size mod 2^32,
 * of its last member); undefined for bytes too short to be gzip.
 */
export function gzipDeclaredBytes(gzipped: Uint8Array): number | undefined {
  const end = gzipped.byteLength;
  if (end < 18) return undefined;
  return Buffer.from(gzipped.buffer, gzipped.byteOffset, end).readUInt32LE(end - 4);
}

function parseContentEncoding(header: string | null): 'identity' | 'gzip' {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') {
    return 'identity';
  }
  if (value === 'gzip' || value === 'x-gzip') {
    return 'gzip';
  }
  throw new HttpError(415, `Content-Encoding "${header}" is not supported (use gzip or none)`, {
    code: 'unsupported_encoding',
    field: 'content-encoding',
  });
}

async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.body === null) {
    return new Uint8Array(0);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`body is over the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, total);
}

function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        stop();
        // Left paused: the server drains or closes the rest after the 413 is sent.
        incoming.pause();
        reject(tooLarge(`body is over the ${maxBytes}-byte limit`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      if (incoming.readableEnded) onEnd();
      else reject(new Error('the client closed the connection before the body ended'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

function tooLarge(message: string): HttpError {
  return new HttpError(413, message, { code: 'body_too_large', field: 'body' });
}
