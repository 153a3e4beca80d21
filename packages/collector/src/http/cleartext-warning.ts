import { isLoopbackHost } from '@perimeter/schema';

/**
 * Once at start: a collector listening off loopback without TLS takes bearer tokens and telemetry
 * in cleartext from the network. It still starts (a lab may want that), but says so.
 */
export function warnIfCleartextListen(
  listen: { hostname: string; url: string; tls: boolean },
  log: { warn(obj: object, msg: string): void },
): void {
  if (!listen.tls && !isLoopbackHost(listen.hostname)) {
    log.warn(
      { url: listen.url },
      'collector listens off loopback without TLS: bearer tokens and telemetry travel in cleartext; set tls.cert and tls.key (deploy/tls)',
    );
  }
}
