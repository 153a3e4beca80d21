import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../main.ts';
import { normalisedOnce } from '../test-support/once-doc.ts';

// capture → replay on this very machine: the replay must print what the captured round printed.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-capture-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        into.push(String(chunk));
        done();
      },
    });
  const code = await runCli(argv, { env, stdout: sink(out), stderr: sink(err) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const normalised = normalisedOnce;

describe('capture and --from-capture on this host', () => {
  it('writes a 0700 dir of 0600 files without the token, and replays to the same readings', async () => {
    const out = join(dir, 'cap');
    const env = { PERIMETER_TOKEN: 'tok-capture-secret', PERIMETER_LOG_LEVEL: 'silent' };
    const captured = await cli(['capture', '--out', out], env);
    expect(captured.code, captured.stderr).toBe(0);
    expect(captured.stdout).toMatch(new RegExp(`^captured \\d+ commands, \\d+ files to ${out}\\n$`));
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(out)) {
      expect(statSync(join(out, name)).mode & 0o777, name).toBe(0o600);
      expect(readFileSync(join(out, name), 'utf8')).not.toContain('tok-capture-secret');
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ formatVersion: 1, platform: process.platform, arch: process.arch });

    const replayed = await cli(['once', '--json', '--from-capture', out, '--log-level', 'silent']);
    expect(replayed.code, replayed.stderr).toBe(0);
    const atCapture = normalised(readFileSync(join(out, 'once.json'), 'utf8'));
    expect(normalised(replayed.stdout)).toEqual(atCapture);
    expect(atCapture.readings.length).toBeGreaterThan(0);
    const drift = (
      JSON.parse(replayed.stdout) as { samplers: Array<{ name: string; reason?: string }> }
    ).samplers.find((sampler) => sampler.name === 'drift');
    expect(drift?.reason).toMatch(/^not replayable from a capture/);

    const probe = await cli(['probe', '--json', '--from-capture', out, '--log-level', 'silent']);
    expect(probe.code).toBe(0);
    expect(JSON.parse(probe.stdout).rows.length).toBeGreaterThan(0);
  });

  it('refuses a non-empty --out and a capture without --out, with exit 2', async () => {
    writeFileSync(join(dir, 'x'), '');
    const busy = await cli(['capture', '--out', dir, '--log-level', 'silent']);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`--out ${dir}: is not empty`);
    expect((await cli(['capture'])).stderr).toMatch(/--out DIR is required/);
    expect((await cli(['run', '--from-capture', dir])).code).toBe(2);
    expect((await cli(['once', '--out', dir])).code).toBe(2);
  });

  it('names the bad key or the missing file of a broken capture, with exit 2', async () => {
    const write = (manifest: object) => writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const base = {
      formatVersion: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      platform: 'darwin',
      arch: 'arm64',
      hostname: 'mini',
      files: [],
      dirs: [],
      realPaths: [],
    };
    const once = () => cli(['once', '--json', '--from-capture', dir, '--log-level', 'silent']);
    expect((await once()).stderr).toContain(`${join(dir, 'manifest.json')}: not found`);
    write({ ...base, commands: [{ argv: ['pmset'], status: 'fine' }] });
    const bad = await once();
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/manifest\.json: commands\.0\.status: /);
    write({ ...base, commands: [{ argv: ['pmset'], status: 'ok', stdoutFile: 'gone.txt' }] });
    expect((await once()).stderr).toContain('commands.0.stdoutFile: gone.txt not found in');
    write({ ...base, commands: [{ argv: ['pmset'], status: 'ok', stdoutFile: '../etc/passwd' }] });
    expect((await once()).stderr).toMatch(/commands\.0\.stdoutFile: expected a file name inside the capture/);
  });
});
