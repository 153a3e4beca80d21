import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { chromiumMissing, launchChromium, SCREENSHOT_DIR } from '../helpers/browser.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { HOSTILE_HOST_NAME, hardwareBatch, postMetrics } from '../helpers/console-fleet.ts';
import { REPO_ROOT } from '../helpers/processes.ts';
import {
  dataTimeOf,
  type ScenarioOptions,
  sendScenario,
  sqlite3,
  sqlite3Path,
} from '../helpers/replay-scenario.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The console in Debian's chromium: a collector fed by a real agent, by the replay scenario's
 * recorded batches (a lost seq, a silence) with one event row then edited with sqlite3, and by a
 * node whose host name is markup. Sign in, find the nodes on the fleet page, open the scenario
 * node: the gap and the silence are drawn (bands over the charts, a null in the series), the
 * verdict says BROKEN; the hostile host name shows as text and no dialog opens; the alerts page
 * shows a firing alert and its webhook outcome. No CSP violation is reported on any page.
 * Screenshots: .perimeter/test-output/console/ (PERIMETER_UPDATE_DOCS=1 also refreshes docs/).
 */
const missing =
  chromiumMissing() ?? (sqlite3Path() === null ? 'sqlite3 CLI not found (apt-get install sqlite3)' : null);
if (missing !== null) {
  console.warn(`skipping console browser tests: ${missing}`);
}

const SCENARIO_NODE = 'replay-node-1';
const HOSTILE_NODE = 'hostile-1';
const AGENT_NODE = 'agent-node-1';
const now = Date.now();
const scenario: ScenarioOptions = {
  nodeId: SCENARIO_NODE,
  stream: '6f1c2a4e-0b7d-4c1e-9a55-3f1f00a0c0de',
  startMs: now - 50 * 60_000,
  batches: 45,
  skipSeqs: [32],
  silenceAfterSeq: 40,
  silenceMs: 10 * 60_000,
};

describe.skipIf(missing !== null)('console in a real browser (chromium + playwright-core)', () => {
  let collector: CollectorProcess;
  let agent: AgentProcess;
  let webhook: WebhookReceiver;
  let browser: Browser;
  let page: Page;
  let reader: string;
  let hostileToken: string;
  let feeding: NodeJS.Timeout;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  const shot = async (name: string) => {
    const path = join(SCREENSHOT_DIR, `console-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    if (process.env.PERIMETER_UPDATE_DOCS === '1') {
      copyFileSync(path, join(REPO_ROOT, 'docs', `console-${name}.png`));
    }
  };

  beforeAll(async () => {
    const secret = 'console-test-webhook-secret';
    webhook = await startWebhookReceiver(secret);
    const rulesDir = mkdtempSync(join(tmpdir(), 'perimeter-console-rules-'));
    const rulesFile = join(rulesDir, 'rules.yaml');
    writeFileSync(
      rulesFile,
      `group: console-test
rules:
  - name: GpuHot
    selector: { metric: hw_temperature_celsius, matchers: { hw_name: "=~.*GPU.*" } }
    function: max
    window: 1m
    op: ">="
    threshold: 95
    for: 0s
    labels: { severity: critical }
    annotations:
      summary: "{{ $labels.hw_name }} on {{ $labels.node }} is at {{ $value }} °C"
  - name: GpuWarm
    selector: { metric: hw_temperature_celsius, matchers: { hw_name: "=~.*GPU.*" } }
    function: max
    window: 1m
    op: ">="
    threshold: 80
    for: 1h
    labels: { severity: warning }
    annotations:
      summary: "{{ $labels.hw_name }} on {{ $labels.node }} has been warm"
`,
    );
    collector = await startCollectorProcess({
      logLevel: 'warn',
      config: JSON.stringify({
        alerting: {
          rules: [rulesFile],
          evaluationInterval: '1s',
          webhooks: [{ url: webhook.url, secret }],
        },
      }),
    });
    reader = collector.createToken('investigator', 'reader');
    collector.createToken('rack-spare-07', 'node'); // enrolled, never sent anything
    hostileToken = collector.createToken(HOSTILE_NODE, 'node');
    const agentToken = collector.createToken(AGENT_NODE, 'node');
    await sendScenario(collector.url, collector.createToken(SCENARIO_NODE, 'node'), scenario);
    // The tampered row: an investigator's nightmare, edited on the live store.
    sqlite3(
      join(collector.dataDir, 'collector.db'),
      `UPDATE events SET body = 'nothing happened' WHERE body LIKE '%10.0.0.15'`,
    );
    const feed = () =>
      postMetrics(
        collector.url,
        hostileToken,
        hardwareBatch({
          nodeId: HOSTILE_NODE,
          hostName: HOSTILE_HOST_NAME,
          timeMs: Date.now(),
          gpuCelsius: 97,
        }),
      ).catch(() => undefined);
    await feed();
    feeding = setInterval(feed, 2000);
    agent = startAgentProcess({
      collectorUrl: collector.url,
      token: agentToken,
      nodeId: AGENT_NODE,
      interval: '2s',
    });
    await waitUntil(
      () => collector.query(`SELECT 1 FROM nodes WHERE node_id = '${AGENT_NODE}'`).length > 0,
      'the agent has sent a batch',
    );
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        cspViolations.push(message.text());
      }
    });
  }, 60_000);

  afterAll(async () => {
    clearInterval(feeding);
    await browser?.close();
    await agent?.stop();
    await collector?.stop();
    await webhook?.close();
  });

  it('signs in with a reader token and lists every node on the fleet page', async () => {
    await page.goto(`${collector.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.fill('#token', reader);
    await Promise.all([page.waitForURL(`${collector.url}/`), page.click('button[type=submit]')]);
    for (const node of [SCENARIO_NODE, HOSTILE_NODE, AGENT_NODE, 'rack-spare-07']) {
      await expect.poll(() => page.locator(`#fleet tr[data-node="${node}"]`).count()).toBe(1);
    }
    expect(await page.locator(`tr[data-node="${AGENT_NODE}"] .status`).textContent()).toBe('up');
    expect(await page.locator('tr[data-node="rack-spare-07"] .status').textContent()).toBe('never seen');
    const hostile = page.locator(`tr[data-node="${HOSTILE_NODE}"]`);
    expect(await hostile.locator('.host').textContent()).toBe(HOSTILE_HOST_NAME);
    expect(await hostile.textContent()).toContain('Mac16,10');
    expect(await hostile.textContent()).toContain('97.0 °C GPU die');
    expect(await hostile.textContent()).toContain('83 %');
    // Sorting: by hottest sensor, hottest first on the second click.
    await page.click('th[data-key="hottest"]');
    await page.click('th[data-key="hottest"]');
    expect(await page.locator('#fleet tbody tr').first().getAttribute('data-node')).toBe(HOSTILE_NODE);
    await shot('fleet');
  });

  it('draws the scenario node: gap and silence as gaps, BROKEN verdict, a JSONL download', async () => {
    await page.click(`a[href="/nodes/${SCENARIO_NODE}"]`);
    await page.waitForSelector('body[data-charts-ready]');
    const verdict = page.locator('#integrity');
    expect(await verdict.getAttribute('class')).toContain('broken');
    expect(await verdict.textContent()).toMatch(/BROKEN at batch \d+/);
    expect(await verdict.textContent()).toContain('edited');
    for (const kind of ['sequence-gap', 'silence', 'before-silence']) {
      expect(
        await page.locator(`#chart-temperature .band[data-gap-kind="${kind}"]`).count(),
        kind,
      ).toBeGreaterThan(0);
    }
    expect(
      await page.locator('#chart-temperature .band.sequence-gap .band-label').first().textContent(),
    ).toContain('sequence gap: seq 32–32');
    expect(await page.locator('#timeline tr.sequence-gap').count()).toBe(1);
    expect(await page.locator('#timeline tr.silence').count()).toBeGreaterThan(0);
    expect(await page.locator('#timeline tr.before-silence').count()).toBeGreaterThan(0);
    // The drawn series holds a null between the last sample before the lost seq and the first after it.
    const data = JSON.parse((await page.locator('#node-data').textContent()) ?? '{}') as {
      x: number[];
      charts: Array<{ id: string; series: Array<{ values: Array<number | null> }> }>;
    };
    const temps = data.charts.find((c) => c.id === 'temperature')?.series[0]?.values ?? [];
    const [from, to] = [dataTimeOf(scenario, 31), dataTimeOf(scenario, 33)];
    const nullInGap = data.x.some((x, i) => x * 1000 > from && x * 1000 < to && temps[i] === null);
    expect(nullInGap).toBe(true);
    expect(await page.locator('#chart-temperature figcaption').textContent()).toContain('high.critical = 90');

    const href = (await page.locator('a.download').getAttribute('href')) as string;
    const jsonl = await page.evaluate(async (url) => (await fetch(url)).text(), href);
    const lines = jsonl
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'replay', node: SCENARIO_NODE });
    expect(lines.at(-1)).toMatchObject({ type: 'integrity', ok: false });
    expect(lines.some((line) => line.type === 'gap')).toBe(true);
    await page
      .locator('#chart-temperature')
      .screenshot({ path: join(SCREENSHOT_DIR, 'console-node-temperature.png') });
    await shot('node');
  });

  it('shows the hostile host name as text on its node page, and no script of it ever ran', async () => {
    await page.goto(`${collector.url}/nodes/${HOSTILE_NODE}`);
    await page.waitForSelector('body[data-charts-ready]');
    expect(await page.locator('#host-name').textContent()).toBe(HOSTILE_HOST_NAME);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('lists the firing and pending alerts with labels, annotations and the webhook outcome', async () => {
    await waitUntil(
      () => webhook.alerts().some((a) => a.labels['alertname'] === 'GpuHot'),
      'GpuHot reached the webhook',
    );
    await expect
      .poll(
        async () => {
          await page.goto(`${collector.url}/alerts`);
          return page.locator('#active').textContent();
        },
        { timeout: 15_000 },
      )
      .toMatch(/firing[\s\S]*GpuHot[\s\S]*sent ×\d+ \(webhook\)/);
    const active = (await page.locator('#active').textContent()) as string;
    expect(active).toContain('pending');
    expect(active).toContain('GpuWarm');
    expect(active).toContain(`GPU die on ${HOSTILE_NODE} is at 97 °C`);
    expect(await page.locator('#history tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#notifications .outcome.sent').count()).toBeGreaterThan(0);
    await shot('alerts');
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
