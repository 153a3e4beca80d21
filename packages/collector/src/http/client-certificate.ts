import type { TLSSocket } from 'node:tls';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from './errors.ts';

/**
 * With mTLS (`tls.clientCa`), TLS proves that a client certificate was signed by the CA, and the
 * bearer token proves the node; this ties the two: the certificate must name the node the token
 * belongs to, so a stolen token is useless from another node's machine and a node's certificate
 * cannot carry another node's token. The certificate names its node by a SAN URI
 * `perimeter:node/<id>` (what deploy/tls/make-lab-ca.sh writes), else by its subject CN.
 */
export const NODE_URI_PREFIX = 'perimeter:node/';

/** The node a peer certificate names, or null when it names none. */
export function certificateNodeId(certificate: {
  subject?: { CN?: string | string[] };
  subjectaltname?: string;
}): string | null {
  const uris = (certificate.subjectaltname ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith(`URI:${NODE_URI_PREFIX}`))
    .map((entry) => entry.slice(`URI:${NODE_URI_PREFIX}`.length));
  if (uris.length > 0) {
    // More than one node URI is ambiguous: it names no one node.
    return uris.length === 1 ? (uris[0] as string) : null;
  }
  const cn = certificate.subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : null;
}

/** The TLS socket under this request, when the collector serves HTTPS; app.request has none. */
function tlsSocket(c: Context): TLSSocket | null {
  const socket = (c.env as { incoming?: { socket?: TLSSocket } } | undefined)?.incoming?.socket;
  return socket !== undefined && socket.encrypted === true ? socket : null;
}

/**
 * After bearerAuth on ingest: when the connection carries a verified client certificate, it must
 * name the token's node, else 403 `client_cert_mismatch` (counted in perimeter_ingest_rejects_total
 * by the app's error handler). Without mTLS there is no peer certificate and nothing to compare.
 */
export function clientCertificateMatchesToken(): MiddlewareHandler {
  return async function clientCertificateMiddleware(c, next) {
    const socket = tlsSocket(c);
    const certificate = socket?.getPeerCertificate();
    if (socket !== null && certificate !== undefined && Object.keys(certificate).length > 0) {
      const tokenNodeId = c.get('token').nodeId;
      const certificateNode = socket.authorized ? certificateNodeId(certificate) : null;
      if (certificateNode !== tokenNodeId) {
        throw new HttpError(
          403,
          `the client certificate names ${certificateNode === null ? 'no node' : `node "${certificateNode}"`} but the token belongs to node "${tokenNodeId}"`,
          { code: 'client_cert_mismatch', field: 'authorization' },
        );
      }
    }
    await next();
  };
}
