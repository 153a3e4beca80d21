import { describe, expect, it } from 'vitest';
import { warnIfCleartextListen } from './cleartext-warning.ts';

/** The shipped config listened on 0.0.0.0 over plain HTTP and nothing said so. No socket: the rule alone. */
describe('warnIfCleartextListen', () => {
  const warningsFor = (hostname: string, tls: boolean) => {
    const warnings: string[] = [];
    warnIfCleartextListen(
      { hostname, url: `http://${hostname}:4318`, tls },
      { warn: (_obj, msg) => warnings.push(msg) },
    );
    return warnings;
  };

  it('warns for 0.0.0.0, ::, a LAN address or a host name without TLS', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'collector.lab']) {
      expect(warningsFor(host, false)).toEqual([expect.stringContaining('cleartext')]);
    }
  });

  it('is quiet on loopback, and anywhere with TLS', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      expect(warningsFor(host, false)).toEqual([]);
    }
    expect(warningsFor('0.0.0.0', true)).toEqual([]);
  });
});
