import { isIP } from 'node:net';

/**
 * Whether a host name or address stays on this machine: `localhost` and its subdomains,
 * 127.0.0.0/8, ::1 (brackets allowed) and IPv4-mapped 127.x. Both programs use it to decide whether
 * cleartext HTTP deserves a warning: a token sent off the box in the clear can be read on the wire.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return true;
  }
  if (isIP(name) === 4) {
    return name.startsWith('127.');
  }
  if (isIP(name) === 6) {
    return name === '::1' || /^::ffff:127\./.test(name);
  }
  return false;
}
