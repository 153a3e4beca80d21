import { parseArgs } from 'node:util';
import { type CollectorConfig, ExitCodes, UsageError } from '@perimeter/schema';
import {
  bindRelativeTimes,
  type CliIo,
  collectorConfigArgs,
  requireStore,
  timeWindowArgs,
} from '../cli-args.ts';
import { openStoreFileForReading } from '../store/store-file.ts';
import { buildEvidence } from './build-report.ts';
import { EVIDENCE_SECTIONS } from './section-list.ts';
import { prepareOutDir, writeReport } from './write-report.ts';

export const EVIDENCE_USAGE = `perimeter-collector evidence --from T --to T --out DIR [options]

Writes audit evidence for the period into DIR (new or empty; 0700, files 0600):
${wrapList('evidence.md      the report: ', [
  ...EVIDENCE_SECTIONS.map((section, index) => `${index + 1} ${section.title.toLowerCase()}`),
  'each section cites its SOC 2 TSC and ISO/IEC 27001:2022 Annex A ids',
])}
  evidence.json    the same, machine-readable
  *.csv            every table (inventory, logins, logins-summary, tokens, token-audit, drift,
                   alerts, notifications, integrity)
  MANIFEST.sha256  SHA-256 of every file; check with: sha256sum -c MANIFEST.sha256

Options:
  --from T, --to T   RFC 3339, "now", or relative (-90d)
  --out DIR          where to write (refused if it exists and is not empty)
  --data-dir DIR     the collector's data directory (default ./.perimeter/collector); read only
  --config FILE      the collector's config, for the retention policy it prints
  -h, --help         this text

Progress goes to stderr. Exit status: 0 ok, 2 usage error, 3 integrity broken (the report is
still written and says where), 1 anything else.`;

export function runEvidenceCommand(args: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: bindRelativeTimes(args),
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${EVIDENCE_USAGE}\n`);
    return ExitCodes.ok;
  }
  const env = io.env;
  const { fromMs, toMs } = timeWindowArgs({
    command: 'evidence',
    example: '-90d',
    from: values.from,
    to: values.to,
    env,
    nowMs: io.nowMs(),
  });
  const out = values.out ?? env.PERIMETER_OUT;
  if (out === undefined) {
    throw new UsageError('evidence needs --out DIR (a new or empty directory)');
  }
  const config: CollectorConfig = collectorConfigArgs(values.config, { dataDir: values['data-dir'] }, env);
  requireStore(config.dataDir, 'see --data-dir');
  prepareOutDir(out);
  const started = io.nowMs();
  const progress = (line: string) => {
    io.stderr.write(`evidence: ${line} (${((io.nowMs() - started) / 1000).toFixed(1)} s)\n`);
  };
  const store = openStoreFileForReading(config.dataDir);
  let report: ReturnType<typeof buildEvidence>;
  try {
    report = buildEvidence(store, {
      period: { fromMs, toMs },
      nowMs: io.nowMs,
      progress,
      retention: {
        events: config.retention.events,
        metricDetail: config.retention.metricDetail,
        summaries: config.retention.summaries,
        forwardedRetentionMs: config.storage.retention,
        sinks: config.forward.length,
      },
    });
  } finally {
    store.close();
  }
  const files = writeReport(out, report);
  progress(`wrote ${files.length} files to ${out}`);
  io.stdout.write(
    `${out}: ${report.nodeCount} nodes; integrity ${report.integrityOk ? 'holds' : 'BROKEN'}; ${files.join(', ')}\n`,
  );
  return report.integrityOk ? ExitCodes.ok : ExitCodes.integrityBroken;
}

/** `head` then the items joined by ", ", wrapped at 100 columns under the start of the first item. */
function wrapList(head: string, items: readonly string[]): string {
  const indent = ' '.repeat(2 + head.length);
  const lines: string[] = [];
  let line = `  ${head}`;
  let empty = true;
  items.forEach((item, index) => {
    const text = index < items.length - 1 ? `${item},` : item;
    if (!empty && line.length + 1 + text.length > 100) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line = empty ? `${line}${text}` : `${line} ${text}`;
    empty = false;
  });
  return [...lines, line].join('\n');
}
