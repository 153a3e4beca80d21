import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsRoot } from '../host/fs-root.ts';
import type { CommandResult, RunCommand } from '../host/run-command.ts';
import { describeWithFixtures, sharedFixturePath } from '../test-support/fixtures.ts';
import {
  parseIoregPlatformUuid,
  parseMachineId,
  parseSwVersProductVersion,
  parseSysctlValue,
  readHostIdentity,
} from './host-identity.ts';

describeWithFixtures('host identity parsers on real macOS outputs', () => {
  it('reads ProductVersion from sw_vers', () => {
    const text = readFileSync(sharedFixturePath('macos/sw_vers-macos26-runner.txt'), 'utf8');
    expect(parseSwVersProductVersion(text)).toBe('26.6.2');
  });
  it('reads hw.model from sysctl key: value output', () => {
    const text = readFileSync(sharedFixturePath('macos/sysctl-hw-model-brand-macos26-runner.txt'), 'utf8');
    expect(parseSysctlValue(text, 'hw.model')).toBe('VirtualMac2,1');
    expect(parseSysctlValue(text, 'hw.nope')).toBeUndefined();
  });
});

describe('host identity parsers', () => {
  it('reads the bare value of sysctl -n', () => {
    expect(parseSysctlValue('Mac16,10\n', 'hw.model')).toBe('Mac16,10');
    expect(parseSysctlValue('', 'hw.model')).toBeUndefined();
  });
  it('reads IOPlatformUUID from ioreg', () => {
    const line = '    "IOPlatformUUID" = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"\n';
    expect(parseIoregPlatformUuid(`+-o Root\n${line}`)).toBe('0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9');
    expect(parseIoregPlatformUuid('"IOPlatformSerialNumber" = "C02X"')).toBeUndefined();
  });
  it('accepts only a well-formed machine id', () => {
    expect(parseMachineId('4c4c4544004d3510804cb4c04f4e3532\n')).toBe('4c4c4544004d3510804cb4c04f4e3532');
    expect(parseMachineId('uninitialized\n')).toBeUndefined();
    expect(parseMachineId(null)).toBeUndefined();
  });
});

describe('readHostIdentity', () => {
  it('on linux reads /etc/machine-id and the DMI product name under the fs root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'perimeter-root-'));
    try {
      mkdirSync(join(root, 'etc'));
      mkdirSync(join(root, 'sys/devices/virtual/dmi/id'), { recursive: true });
      writeFileSync(join(root, 'etc/machine-id'), 'b08dfa6083e7567a1921a715000001fb\n');
      writeFileSync(join(root, 'sys/devices/virtual/dmi/id/product_name'), 'ProLiant DL380 Gen10\n');
      const runCommand: RunCommand = async () => ({ status: 'not-found', command: 'x' });
      expect(await readHostIdentity({ platform: 'linux', fs: createFsRoot(root), runCommand })).toEqual({
        hostId: 'b08dfa6083e7567a1921a715000001fb',
        model: 'ProLiant DL380 Gen10',
      });
      rmSync(join(root, 'etc/machine-id'));
      expect(await readHostIdentity({ platform: 'linux', fs: createFsRoot(root), runCommand })).toEqual({
        model: 'ProLiant DL380 Gen10',
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('on darwin runs ioreg, sysctl and sw_vers, and leaves out what is missing', async () => {
    const outputs: Record<string, CommandResult> = {
      ioreg: {
        status: 'ok',
        stdout: '"IOPlatformUUID" = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"',
        stderr: '',
      },
      sysctl: { status: 'ok', stdout: 'Mac16,10\n', stderr: '' },
      sw_vers: { status: 'failed', exitCode: 1, stderr: '' },
    };
    const calls: string[][] = [];
    const runCommand: RunCommand = async (argv) => {
      calls.push([...argv]);
      return outputs[argv[0] ?? ''] ?? { status: 'not-found', command: argv[0] ?? '' };
    };
    const identity = await readHostIdentity({
      platform: 'darwin',
      fs: createFsRoot('/nonexistent'),
      runCommand,
    });
    expect(identity).toEqual({ hostId: '0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9', model: 'Mac16,10' });
    expect(calls).toContainEqual(['ioreg', '-rd1', '-c', 'IOPlatformExpertDevice']);
  });
});
