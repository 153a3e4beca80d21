import { describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import type { SampleResult } from '../types.ts';
import { createDriftSampler } from './sampler.ts';
import { createMemoryDriftStateStore } from './state.ts';
import { contextFor, makeHostTree, scriptedRunCommand, writeHostFiles } from './test-hosts.ts';

const ROOT_LOGIN = 'linux.sshd.permit-root-login';
const events = (result: SampleResult) => (result.status === 'ok' ? (result.events ?? []) : []);
const gauge = (result: SampleResult, id: string) =>
  result.status === 'ok' ? result.readings.find((r) => r.attributes['check.id'] === id)?.value : undefined;

function linuxNode(state = createMemoryDriftStateStore()) {
  const root = makeHostTree({ '/etc/ssh/sshd_config': 'PermitRootLogin no\nPasswordAuthentication no\n' });
  const runCommand = scriptedRunCommand({});
  const context = contextFor('linux', createFsRoot(root), runCommand);
  const sampler = createDriftSampler(context, { state, uid: 1000 });
  return { root, context, sampler, runCommand, state };
}

describe('drift sampler', () => {
  it('emits one config.drift event and turns the gauge 1 → 0 when a file it reads changes', async () => {
    const node = linuxNode();
    const first = await node.sampler.collect();
    expect(gauge(first, ROOT_LOGIN)).toBe(1);
    expect(gauge(first, 'linux.sshd.password-authentication')).toBe(1);

    writeHostFiles(node.root, { '/etc/ssh/sshd_config': 'PermitRootLogin yes\nPasswordAuthentication no\n' });
    node.context.clock.set(node.context.clock.nowMs() + 5 * 60_000);
    const second = await node.sampler.collect();

    expect(events(second)).toEqual([
      {
        event: 'config.drift',
        timeMs: node.context.clock.nowMs(),
        body: `${ROOT_LOGIN}: fail "yes" (expected no; was pass "no")`,
        severity: 'warn',
        attributes: {
          'check.id': ROOT_LOGIN,
          'check.controls': 'SOC2:CC6.1,SOC2:CC6.6,ISO27001:A.8.2,ISO27001:A.8.5,ISO27001:A.5.15',
          expected: 'no',
          observed: 'yes',
          previous: 'no',
        },
      },
    ]);
    expect(gauge(second, ROOT_LOGIN)).toBe(0);
  });

  it('announces every check once on its first observation, with previous ""', async () => {
    const node = linuxNode();
    const first = events(await node.sampler.collect());
    expect(first.map((e) => e.attributes['check.id'])).toEqual(node.sampler.outcomes().map((o) => o.id));
    expect(first.every((e) => e.attributes['previous'] === '')).toBe(true);
    expect(first.find((e) => e.attributes['check.id'] === ROOT_LOGIN)?.attributes['observed']).toBe('no');
  });

  it('reports no gauge for skipped or error checks', async () => {
    const node = linuxNode();
    const result = await node.sampler.collect();
    const gauged = result.status === 'ok' ? result.readings.map((r) => r.attributes['check.id']) : [];
    const judged = node.sampler
      .outcomes()
      .filter((o) => o.status === 'pass' || o.status === 'fail')
      .map((o) => o.id);
    expect(gauged).toEqual(judged);
    expect(node.sampler.outcomes().some((o) => o.status === 'skipped')).toBe(true);
  });

  it('re-runs checks only every 5 minutes, repeating the last gauges in between', async () => {
    const node = linuxNode();
    const first = await node.sampler.collect();
    const runs = node.runCommand.calls.length;
    node.context.clock.set(node.context.clock.nowMs() + 10_000);
    const between = await node.sampler.collect();
    expect(node.runCommand.calls.length).toBe(runs);
    expect(between).toEqual({ status: 'ok', readings: first.status === 'ok' ? first.readings : [] });
  });

  it('does not re-announce after a restart that keeps the state store', async () => {
    const state = createMemoryDriftStateStore();
    await linuxNode(state).sampler.collect();
    const restarted = linuxNode(state);
    expect(events(await restarted.sampler.collect())).toEqual([]);
  });
});
