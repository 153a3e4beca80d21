import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ANY_IS_BAD,
  amberThenRed,
  DashboardUids,
  intervalBars,
  mergeThenOrganize,
  NODE_CELL_LINKS,
  nodeDataLinks,
  perimeterDashboard,
  rangeCount,
  stepsJson,
  UP_MAP,
} from './common-panels.ts';
import { Label, Prom } from './metric-names.ts';
import { note, row, stat, stateTimeline, table, timeseries } from './panels.ts';

/**
 * Inference: the AI workload itself (ARCHITECTURE.md "The AI workload"). Who is being served and
 * refused, how many tokens, how fast, and which models sit on which node with which weights.
 * Requests and tokens come from the proxy's access log (inference.request events, counted by the
 * collector); latency from the servers' own /metrics; models from the agent's inventory.
 */
const WHO =
  'By user and client address: metrics are labelled by node and status only (users and addresses are unbounded). The inference.request events keep user.name, client.address, the model and the token counts: `perimeter-collector evidence` extracts them as JSONL, and the console lists them per node.';

const REFUSED = 'code=~"401|403"';

export function buildInference(): dashboard.Dashboard {
  return perimeterDashboard({
    uid: DashboardUids.inference,
    title: 'Perimeter / Inference',
    description:
      'Inference requests by status, refused requests, tokens, latency, and the models on every node with their weights digests.',
    tags: ['inference', 'ai'],
  })
    .withRow(row('Now'))
    .withPanel(
      rangeCount({
        title: 'Inference requests (range)',
        description: `Every request the proxies logged in the selected range. ${WHO}`,
        width: 6,
        selector: Prom.inferenceRequests,
      }),
    )
    .withPanel(
      rangeCount({
        title: 'Refused requests, 401/403 (range)',
        description:
          'Requests answered 401 or 403: a guessed or revoked key still in use. InferenceAuthFailureSpike pages above 0.5 a second over 5 min (seed 001, CC7.2).',
        width: 6,
        thresholds: amberThenRed(10, 150),
        selector: `${Prom.inferenceRequests}{${REFUSED}}`,
      }),
    )
    .withPanel(
      rangeCount({
        title: 'Weights integrity failures (range)',
        description:
          'model.integrity events: weights whose content no longer matches their digest, or that cannot be read. ModelWeightsTampered pages (critical) on the first one.',
        width: 6,
        thresholds: ANY_IS_BAD,
        selector: Prom.modelIntegrityFailures,
      }),
    )
    .withPanel(
      stat({
        title: 'Models differing from the fleet',
        description:
          '(node, model) pairs whose weights digest differs from what most nodes hold under that name (GET /api/v1/models). ModelDriftAcrossFleet pages after 15 min.',
        width: 6,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(${Prom.modelFleetOutlier})` }],
      }),
    )
    .withRow(row('Requests'))
    .withPanel(
      timeseries({
        title: 'Requests by status',
        description: `Requests per second across the fleet by HTTP status code. ${WHO}`,
        width: 12,
        height: 8,
        unit: 'reqps',
        min: 0,
        stacked: true,
        queries: [
          { expr: `sum by (code) (rate(${Prom.inferenceRequests}[$__rate_interval]))`, legend: '{{code}}' },
        ],
      }),
    )
    .withPanel(
      intervalBars({
        title: 'Refused requests (401/403) by node',
        description: `Refused requests per node per interval. ${WHO}`,
        queries: [
          {
            expr: `sum by (node) (increase(${Prom.inferenceRequests}{${REFUSED}}[$__rate_interval]))`,
            legend: '{{node}}',
          },
        ],
      }).dataLinks(nodeDataLinks()),
    )
    .withPanel(
      timeseries({
        title: 'Tokens per second by direction',
        description:
          'Input (prompt) and output (completion) tokens per second, from the requests whose log reports them (gen_ai.usage.*). A rise in input tokens alone can be exfiltration by long prompts.',
        width: 12,
        height: 8,
        unit: 'short',
        min: 0,
        queries: [
          {
            expr: `sum by (direction) (rate(${Prom.inferenceTokens}[$__rate_interval]))`,
            legend: '{{direction}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Mean request latency by server',
        description:
          "Seconds per finished request, from each inference server's own /metrics (llama-server, vLLM, TGI) as the agent scrapes them: time spent divided by requests finished in the interval.",
        width: 12,
        height: 8,
        unit: 's',
        min: 0,
        queries: [
          {
            expr: `sum by (node, ${Label.serverAddress}) (rate(${Prom.inferenceServerRequestDuration}[$__rate_interval])) / sum by (node, ${Label.serverAddress}) (rate(${Prom.inferenceServerRequests}[$__rate_interval]))`,
            legend: '{{node}} · {{server_address}}',
          },
        ],
      }),
    )
    .withPanel(
      stateTimeline({
        title: 'Inference servers up',
        description:
          'Whether the agent could scrape each inference server. InferenceServerDown pages after 2 min down.',
        width: 24,
        height: 6,
        min: 0,
        max: 1,
        mappings: [UP_MAP],
        queries: [{ expr: Prom.inferenceServerUp, legend: '{{node}} · {{server_address}}' }],
      }),
    )
    .withRow(row('Models'))
    .withPanel(
      table({
        title: 'Models per node',
        description: 'How many models each node holds on disk now, and their total size.',
        width: 8,
        height: 8,
        queries: [
          { expr: `count by (node) (${Prom.modelInfo})`, instant: true, table: true },
          { expr: `sum by (node) (${Prom.modelSize})`, instant: true, table: true },
        ],
        transformations: mergeThenOrganize({
          excludeByName: { Time: true },
          renameByName: { 'Value #A': 'Models', 'Value #B': 'Bytes on disk' },
        }),
      })
        .overrideByName(Label.node, [{ id: 'links', value: NODE_CELL_LINKS }])
        .overrideByName('Bytes on disk', [{ id: 'unit', value: 'bytes' }]),
    )
    .withPanel(
      table({
        title: 'Model inventory: where the weights live',
        description:
          'Every model on every node: name, source (ollama, huggingface, gguf), the weights SHA-256, format, quantization, parameters and path (seed 001: "the inventory of every model and where the weights live").',
        width: 16,
        height: 8,
        queries: [{ expr: Prom.modelInfo, instant: true, table: true }],
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, Value: true, __name__: true, job: true, instance: true },
              indexByName: { node: 0, model_name: 1, model_source: 2, model_digest: 3 },
              renameByName: {
                model_name: 'Model',
                model_source: 'Source',
                model_digest: 'Weights SHA-256',
                model_manifest_digest: 'Manifest',
                model_format: 'Format',
                model_quantization: 'Quantization',
                model_parameters: 'Parameters',
                model_path: 'Path',
              },
            },
          },
        ],
      }).overrideByName(Label.node, [{ id: 'links', value: NODE_CELL_LINKS }]),
    )
    .withPanel(
      table({
        title: 'Weights against the fleet majority',
        description:
          'Per node and model name: 1 where the node holds weights whose digest differs from most of the fleet (a node left behind on a version bump, or weights replaced by hand).',
        width: 12,
        height: 8,
        queries: [{ expr: `sort_desc(${Prom.modelFleetOutlier})`, instant: true, table: true }],
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, __name__: true, job: true, instance: true },
              renameByName: { model_name: 'Model', Value: 'Differs' },
            },
          },
        ],
      }).overrideByName('Differs', [
        { id: 'thresholds', value: { mode: 'absolute', steps: stepsJson(ANY_IS_BAD) } },
        { id: 'custom.cellOptions', value: { type: 'color-text' } },
      ]),
    )
    .withPanel(
      intervalBars({
        title: 'Model changes and integrity failures',
        description:
          'model.change events (added, replaced, removed: each a CC8.1 change to match to a ticket) and model.integrity failures per interval. The evidence report lists each with time, node and old and new digest.',
        queries: [
          {
            expr: `sum by (change) (increase(${Prom.modelChanges}[$__rate_interval]))`,
            legend: '{{change}}',
          },
          {
            expr: `sum(increase(${Prom.modelIntegrityFailures}[$__rate_interval]))`,
            legend: 'integrity failure',
          },
        ],
      }),
    )
    .withPanel(
      note('Who called', `${WHO}\n\nNever prompt or completion text: the agent does not read it.`, 24, 4),
    )
    .build();
}
