import { parseArgs } from 'node:util';
import { ExitCodes, UsageError } from '@perimeter/schema';
import { cliActor } from '../cli-actor.ts';
import { openStoreFile } from '../store/store-file.ts';

/** `perimeter-collector forward dead-letters [--json] [--all]` and `forward retry <ID|--all>`. */
const FORWARD_USAGE = `perimeter-collector forward <dead-letters|retry> [options]

  dead-letters [--json] [--resolved]   batches an upstream refused for good (4xx), with the reason
  retry ID | retry --all                mark dead letters for another try; the running collector
                                        sends them within a second (fix the cause first)

Options: --data-dir DIR (default ./.perimeter/collector, or PERIMETER_DATA_DIR)`;

export function runForwardCommand(
  args: string[],
  io: { stdout: { write(text: string): unknown }; env: NodeJS.ProcessEnv; nowMs: () => number },
): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      all: { type: 'boolean' },
      resolved: { type: 'boolean' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...operands] = positionals;
  if (values.help || action === undefined) {
    io.stdout.write(`${FORWARD_USAGE}\n`);
    return values.help ? ExitCodes.ok : ExitCodes.usage;
  }
  const dataDir = values['data-dir'] ?? io.env.PERIMETER_DATA_DIR ?? './.perimeter/collector';
  process.umask(0o077);
  const store = openStoreFile({ dataDir });
  try {
    if (action === 'dead-letters') {
      const letters = store.forward.listDeadLetters({ includeResolved: values.resolved ?? false });
      if (values.json) {
        io.stdout.write(`${JSON.stringify(letters)}\n`);
        return ExitCodes.ok;
      }
      io.stdout.write(
        `${['ID'.padEnd(8), 'SINK'.padEnd(20), 'BATCH'.padEnd(10), 'NODE'.padEnd(20), 'STATUS'.padEnd(8), 'TRIES'.padEnd(6), 'REASON'].join('')}\n`,
      );
      for (const letter of letters) {
        io.stdout.write(
          `${[
            String(letter.id).padEnd(8),
            letter.sink.padEnd(20),
            String(letter.batchId).padEnd(10),
            letter.nodeId.padEnd(20),
            String(letter.httpStatus ?? '-').padEnd(8),
            String(letter.attempts).padEnd(6),
            letter.reason.replace(/\s+/g, ' ').slice(0, 120),
          ].join('')}\n`,
        );
      }
      return ExitCodes.ok;
    }
    if (action === 'retry') {
      const id = operands[0];
      if ((id === undefined) === !values.all) {
        throw new UsageError('forward retry needs a dead-letter ID or --all');
      }
      if (id !== undefined && !/^\d+$/.test(id)) {
        throw new UsageError(`dead-letter id must be a number, not "${id}"`);
      }
      const target = values.all ? ('all' as const) : { id: Number(id) };
      const count = store.forward.requestRetry(target, io.nowMs());
      const actor = cliActor();
      store.audit.record({
        atMs: io.nowMs(),
        actor,
        action: 'forward.retry',
        detail: { target, count },
      });
      if (count === 0) {
        throw new UsageError(values.all ? 'no open dead letters' : `no open dead letter with id ${id}`);
      }
      io.stdout.write(`retry requested for ${count} dead letter${count === 1 ? '' : 's'}\n`);
      return ExitCodes.ok;
    }
    throw new UsageError(`unknown forward action "${action}" (dead-letters or retry)`);
  } finally {
    store.close();
  }
}
