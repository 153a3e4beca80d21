import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * deploy/tls/make-lab-ca.sh with the real openssl: the files it writes, their modes, the names in
 * them (the collector's SANs, each node's CN and `perimeter:node/<id>` URI), that each certificate
 * verifies against the CA, that a second run keeps what exists and adds new nodes, that a node id
 * which could inject into a subject is refused; and shellcheck where installed.
 */
const SCRIPT = resolve(import.meta.dirname, '../../deploy/tls/make-lab-ca.sh');
const onPath = (tool: string) =>
  [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin']
    .map((dir) => join(dir, tool))
    .find((path) => path.startsWith('/') && existsSync(path));
const shellcheck = onPath('shellcheck');
const openssl = onPath('openssl');
if (shellcheck === undefined) console.warn('lab-ca.test.ts: shellcheck not installed; that check skipped');

const scratch = mkdtempSync(join(tmpdir(), 'perimeter-lab-ca-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
const x509 = (file: string, ...args: string[]) =>
  spawnSync(openssl ?? 'openssl', ['x509', '-in', file, '-noout', ...args], { encoding: 'utf8' }).stdout;
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('deploy/tls/make-lab-ca.sh', () => {
  it.skipIf(shellcheck === undefined)('passes shellcheck', () => {
    const result = spawnSync(shellcheck ?? 'shellcheck', ['--shell=bash', SCRIPT], { encoding: 'utf8' });
    expect(result.status, result.stdout).toBe(0);
  });

  it.skipIf(openssl === undefined)(
    'writes a CA, the collector certificate with its SANs and one client certificate per node; keys 0600',
    () => {
      const out = join(scratch, 'lab');
      const result = run([
        out,
        'collector.example.internal',
        '10.0.0.5',
        '--node',
        'gpu-01',
        '--node',
        'mini-01',
      ]);
      expect(result.status, result.stderr).toBe(0);
      for (const key of ['ca.key', 'collector.key', 'nodes/gpu-01.key', 'nodes/mini-01.key']) {
        expect(mode(join(out, key)), key).toBe('600');
      }
      for (const cert of ['ca.pem', 'collector.pem', 'nodes/gpu-01.pem', 'nodes/mini-01.pem']) {
        expect(mode(join(out, cert)), cert).toBe('644');
      }
      const san = x509(join(out, 'collector.pem'), '-ext', 'subjectAltName');
      for (const name of [
        'DNS:localhost',
        'IP Address:127.0.0.1',
        'DNS:collector.example.internal',
        'IP Address:10.0.0.5',
      ]) {
        expect(san).toContain(name);
      }
      expect(x509(join(out, 'collector.pem'), '-ext', 'extendedKeyUsage')).toMatch(
        /TLS Web Server Authentication/,
      );
      const node = join(out, 'nodes/gpu-01.pem');
      expect(x509(node, '-subject')).toMatch(/CN = gpu-01/);
      expect(x509(node, '-ext', 'subjectAltName')).toContain('URI:perimeter:node/gpu-01');
      expect(x509(node, '-ext', 'extendedKeyUsage')).toMatch(/TLS Web Client Authentication/);
      const verify = spawnSync(
        openssl ?? 'openssl',
        ['verify', '-CAfile', join(out, 'ca.pem'), join(out, 'collector.pem'), node],
        { encoding: 'utf8' },
      );
      expect(verify.status, verify.stderr).toBe(0);

      // A second run keeps the CA and every certificate, and adds a node signed by the same CA.
      const ca = readFileSync(join(out, 'ca.pem'), 'utf8');
      const collectorCert = readFileSync(join(out, 'collector.pem'), 'utf8');
      const again = run([out, '--node', 'gpu-02']);
      expect(again.status, again.stderr).toBe(0);
      expect(readFileSync(join(out, 'ca.pem'), 'utf8')).toBe(ca);
      expect(readFileSync(join(out, 'collector.pem'), 'utf8')).toBe(collectorCert);
      const added = spawnSync(
        openssl ?? 'openssl',
        ['verify', '-CAfile', join(out, 'ca.pem'), join(out, 'nodes/gpu-02.pem')],
        { encoding: 'utf8' },
      );
      expect(added.status, added.stderr).toBe(0);
    },
  );

  it('refuses a node id that is not [A-Za-z0-9._-], and a missing OUTDIR, with exit 2', () => {
    const bad = run([join(scratch, 'bad'), '--node', 'a/CN=root']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/node id "a\/CN=root"/);
    expect(existsSync(join(scratch, 'bad'))).toBe(false);
    expect(run([]).status).toBe(2);
  });
});
