import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../main.ts';
import { describeWithFixtures, sharedFixturePath } from '../test-support/fixtures.ts';
import { normalisedOnce } from '../test-support/once-doc.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../test-support/ttar.ts';

// Files, directory listings and symlink targets survive a capture: the real node_exporter
// sysfs trees are captured with --fs-root, removed, and the replay still reads every sensor.

let tree: UnpackedTtar;
let dir: string;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      out.push(String(chunk));
      done();
    },
  });
  const code = await runCli([...argv, '--log-level', 'silent'], { env: {}, stdout: sink, stderr: sink });
  return { code, stdout: out.join('') };
}

const normalised = normalisedOnce;

describeWithFixtures('capture of a sysfs tree (hwmon, thermal zones)', () => {
  beforeAll(() => {
    const linux = (name: string) => sharedFixturePath('linux', name);
    tree = unpackTtarFiles(
      linux('node_exporter-sys-hwmon.ttar'),
      linux('node_exporter-sys-thermal_zone.ttar'),
    );
    dir = mkdtempSync(join(tmpdir(), 'perimeter-sysfs-capture-'));
  });
  afterAll(() => {
    tree.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the same temperatures and fans after the tree is gone', async () => {
    const out = join(dir, 'cap');
    const captured = await cli('capture', '--out', out, '--fs-root', tree.root);
    expect(captured.code, captured.stdout).toBe(0);
    expect(captured.stdout).toMatch(/captured \d+ commands, [1-9]\d* files/);
    const atCapture = normalised(readFileSync(join(out, 'once.json'), 'utf8'));
    const metrics = new Set(atCapture.readings.map((r) => r.metric));
    expect([...metrics]).toEqual(expect.arrayContaining(['hw.temperature', 'hw.fan.speed']));
    tree.remove();
    const replayed = await cli('once', '--json', '--from-capture', out);
    expect(normalised(replayed.stdout)).toEqual(atCapture);
    const probe = await cli('probe', '--from-capture', out);
    expect(probe.stdout).toMatch(/^fans +hw\.fan\.speed +available +\/sys\/class\/hwmon/m);
    expect(probe.stdout).toMatch(/^thermal +hw\.temperature +available +\/sys\/class\/thermal/m);
  });
});
