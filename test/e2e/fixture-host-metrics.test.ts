import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../packages/agent/src/test-support/fixtures.ts';
import { readPromSamples } from '../../packages/agent/src/test-support/prom.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../packages/agent/src/test-support/ttar.ts';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';

/**
 * This CI machine has no hwmon sensors, so a real agent process reads the sysfs tree of a real
 * machine instead (node_exporter's hwmon and thermal_zone fixtures, via --fs-root), ships it, and
 * the collector's /metrics must show the same temperatures and fan speeds node_exporter read from
 * that tree, under the ARCHITECTURE names.
 */
describeWithFixtures('agent on a real hwmon tree → collector /metrics', () => {
  let tree: UnpackedTtar;
  let collector: CollectorProcess;
  let agent: AgentProcess;
  beforeAll(async () => {
    tree = unpackTtarFiles(
      sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'),
      sharedFixturePath('linux', 'node_exporter-sys-thermal_zone.ttar'),
    );
    collector = await startCollectorProcess();
    agent = startAgentProcess({
      collectorUrl: collector.url,
      token: collector.createToken('fixture-host'),
      nodeId: 'fixture-host',
      interval: '500ms',
      fsRoot: tree.root,
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    tree?.remove();
  });

  it('exposes every node_exporter temperature and the fan speeds as hw_temperature_celsius / hw_fan_speed_rpm', async () => {
    let text = '';
    await waitUntil(
      async () => {
        text = await scrape(collector.url);
        return text.includes('hw_temperature_celsius{') && text.includes('hw_fan_speed_rpm{');
      },
      () => `hardware series reach /metrics; agent said: ${agent.output().slice(0, 1500)}`,
    );
    const temperatures = [
      ...text.matchAll(/^hw_temperature_celsius\{node="fixture-host"[^}]*\} ([\d.]+)$/gm),
    ].map((m) => Number(m[1]));
    const expected = readPromSamples(
      sharedFixturePath('linux', 'node_exporter-e2e-hwmon.prom'),
      'node_hwmon_temp_celsius',
    );
    expect(expected.length).toBeGreaterThan(5);
    for (const sample of expected) {
      expect(temperatures).toContain(sample.value);
    }
    expect(text).toMatch(/^hw_fan_speed_rpm\{node="fixture-host"[^}]*\} 1098$/m);
    expect(text).toMatch(
      /^hw_temperature_celsius\{node="fixture-host",hw_id="thermal_zone0"[^}]*\} 12\.376$/m,
    );
  });
});
