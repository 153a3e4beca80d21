import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ANY_IS_BAD,
  amberThenRed,
  DashboardUids,
  DRIFT_MAP,
  intervalBars,
  mergeThenOrganize,
  NODE_CELL_LINKS,
  nodeDataLinks,
  perimeterDashboard,
  rangeCount,
} from './common-panels.ts';
import { Label, Prom } from './metric-names.ts';
import { note, row, stat, stateTimeline, table } from './panels.ts';

/**
 * Security & compliance: what an auditor or the on-call security engineer asks. Who is failing to
 * log in where, which nodes differ from their baseline (and which controls that touches), and
 * who is knocking at the collector with bad tokens. Users and source addresses stay in the events
 * (cardinality, and an attacker chooses them), so the panels say where to find them.
 */
const WHO_AND_WHERE =
  'By user and source address: the collector deliberately does not label metrics with user.name or source.address (unbounded, attacker-chosen values would explode the series count). Each auth.login event keeps both: `perimeter-collector replay --node NODE --from -1h --to now`, GET /api/v1/nodes/NODE/timeline, or the console.';

/** Auth refusals at the collector's door (http/auth.ts and ingest/routes.ts error codes). */
const AUTH_REJECT_REASONS = 'unauthenticated|invalid_token|forbidden_role|wrong_node|foreign_stream';

export function buildSecurityCompliance(): dashboard.Dashboard {
  return perimeterDashboard({
    uid: DashboardUids.security,
    title: 'Perimeter / Security & compliance',
    description:
      'Failed logins, configuration drift per check and node (with SOC 2 / ISO 27001 controls), token misuse.',
    tags: ['security', 'compliance'],
  })
    .withRow(row('Now'))
    .withPanel(
      rangeCount({
        title: 'Failed logins (range)',
        description: `All failed logins in the selected range. ${WHO_AND_WHERE}`,
        width: 6,
        thresholds: amberThenRed(10, 50),
        selector: Prom.authFailures,
      }),
    )
    .withPanel(
      stat({
        title: 'Nodes out of baseline',
        description: 'Nodes with at least one failing drift check now.',
        width: 6,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(max by (node) (${Prom.driftCheck} == bool 0))` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Checks that differ from the fleet',
        description:
          '(node, check) pairs whose observed value differs from what most nodes report (GET /api/v1/drift): a node configured unlike its peers even where its own baseline agrees.',
        width: 6,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(${Prom.driftFleetOutlier})` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Refused tokens (range)',
        description:
          'Requests the collector refused for authentication: no token, unknown or revoked token, a node token used for another node or stream, a role not allowed. A revoked node still trying shows here.',
        width: 6,
        height: 4,
        unit: 'short',
        decimals: 0,
        thresholds: ANY_IS_BAD,
        queries: [
          { expr: `sum(increase(${Prom.ingestRejects}{reason=~"${AUTH_REJECT_REASONS}"}[$__range]))` },
        ],
      }),
    )
    .withRow(row('Logins'))
    .withPanel(
      intervalBars({
        title: 'Failed logins by node',
        description: `Failed logins per node per interval; AuthFailureSpike pages above 10 in 5 min. ${WHO_AND_WHERE}`,
        queries: [
          {
            expr: `sum by (node) (increase(${Prom.authFailures}[$__rate_interval]))`,
            legend: '{{node}}',
          },
        ],
      }).dataLinks(nodeDataLinks()),
    )
    .withPanel(
      intervalBars({
        title: 'Failed logins by method',
        description:
          'Across the fleet by method: ssh (password guessing), console and screensaver (someone at the machine), sudo (a local user trying for root), other (su, screen sharing…).',
        queries: [
          {
            expr: `sum by (auth_method) (increase(${Prom.authFailures}[$__rate_interval]))`,
            legend: '{{auth_method}}',
          },
        ],
      }),
    )
    .withPanel(
      table({
        title: 'Failed logins by node and method (range)',
        description: `Node × method counts over the selected range, largest first. ${WHO_AND_WHERE}`,
        width: 12,
        height: 8,
        unit: 'short',
        decimals: 0,
        queries: [
          {
            expr: `sort_desc(sum by (node, auth_method) (increase(${Prom.authFailures}[$__range])) > 0)`,
            instant: true,
            table: true,
          },
        ],
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true },
              renameByName: { auth_method: 'Method', Value: 'Failed logins' },
            },
          },
        ],
      }).overrideByName(Label.node, [{ id: 'links', value: NODE_CELL_LINKS }]),
    )
    .withPanel(
      note(
        'Users and source addresses',
        `${WHO_AND_WHERE}\n\nThe events hold \`user.name\`, \`source.address\`, \`source.port\`, \`auth.method\` and the log line, hash-chained in the store.`,
        12,
        8,
      ),
    )
    .withRow(row('Configuration drift'))
    .withPanel(
      table({
        title: 'Drift matrix: checks × nodes',
        description:
          'Every drift check (rows) on every node (columns): pass when the node matches its baseline, FAIL when it does not. An empty cell: the check does not apply on that platform, or needs root the agent does not have.',
        width: 24,
        height: 10,
        mappings: [DRIFT_MAP],
        colorCells: true,
        queries: [{ expr: Prom.driftCheck, instant: true, table: true }],
        transformations: [
          {
            id: 'groupingToMatrix',
            options: {
              columnField: Label.node,
              rowField: Label.checkId,
              valueField: 'Value',
              emptyValue: 'empty',
            },
          },
        ],
      }).overrideByName(`${Label.checkId}\\${Label.node}`, [
        { id: 'custom.cellOptions', value: { type: 'auto' } },
        { id: 'displayName', value: 'check' },
      ]),
    )
    .withPanel(
      table({
        title: 'Failing checks and the controls they evidence',
        description:
          'What an auditor asks for: each failing (node, check) with its SOC 2 / ISO 27001:2022 controls. Disk encryption off pages as critical (DiskEncryptionOff), anything else as ConfigDrift.',
        width: 12,
        height: 8,
        queries: [{ expr: `${Prom.driftCheck} == 0`, instant: true, table: true }],
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, Value: true, __name__: true, job: true, instance: true },
              renameByName: { check_id: 'Check', check_controls: 'Controls' },
              indexByName: { node: 0, check_id: 1, check_controls: 2 },
            },
          },
        ],
      }).overrideByName(Label.node, [{ id: 'links', value: NODE_CELL_LINKS }]),
    )
    .withPanel(
      stateTimeline({
        title: 'Drift over time',
        description: 'Each (node, check) over the range: when it started failing and when it was fixed.',
        width: 12,
        height: 8,
        min: 0,
        max: 1,
        mappings: [DRIFT_MAP],
        queries: [{ expr: Prom.driftCheck, legend: '{{node}} · {{check_id}}' }],
      }),
    )
    .withPanel(
      table({
        title: 'Checks that differ from the fleet majority',
        description:
          'Per check: how many nodes report it and how many observe a value other than the majority. A check where one node in twenty differs is a snowflake worth a ticket.',
        width: 12,
        height: 8,
        queries: [
          { expr: `sum by (check_id) (${Prom.driftFleetOutlier})`, instant: true, table: true },
          { expr: Prom.driftFleetNodes, instant: true, table: true },
        ],
        transformations: mergeThenOrganize({
          excludeByName: { Time: true, __name__: true, job: true, instance: true },
          renameByName: {
            check_id: 'Check',
            'Value #A': 'Nodes differing',
            'Value #B': 'Nodes reporting',
          },
        }),
      }).overrideByName('Nodes differing', [
        {
          id: 'thresholds',
          value: {
            mode: 'absolute',
            steps: [
              { value: null, color: 'green' },
              { value: 1, color: 'red' },
            ],
          },
        },
        { id: 'custom.cellOptions', value: { type: 'color-text' } },
      ]),
    )
    .withRow(row('Tokens'))
    .withPanel(
      intervalBars({
        title: 'Refused requests by reason',
        description:
          'Authentication refusals at the collector per interval: unauthenticated (no token), invalid_token (unknown or revoked), wrong_node / foreign_stream (a node token used for another node), forbidden_role. A burst after a revoke is the revoked node retrying.',
        queries: [
          {
            expr: `sum by (reason) (increase(${Prom.ingestRejects}{reason=~"${AUTH_REJECT_REASONS}"}[$__rate_interval]))`,
            legend: '{{reason}}',
          },
        ],
      }),
    )
    .withPanel(
      intervalBars({
        title: 'Token changes and operator actions',
        description:
          'Audit log rows per interval by action: token.create and token.revoke (a quarterly access review starts here; `perimeter-collector evidence` lists each one with who and when), forward.retry, console sign-ins. A token created outside a change window is worth a question.',
        queries: [
          {
            expr: `sum by (action) (increase(${Prom.auditEvents}[$__rate_interval]))`,
            legend: '{{action}}',
          },
        ],
      }),
    )
    .build();
}
