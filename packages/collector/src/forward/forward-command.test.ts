import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCodes } from '@perimeter/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoreDatabase } from '../store/db.ts';

/**
 * `perimeter-collector forward …` as an operator runs it: a real CLI process on a real store.
 * Mistakes are usage errors (exit 2) with a message that says what was wrong.
 */
const CLI = join(import.meta.dirname, '..', 'cli.ts');

describe('perimeter-collector forward (CLI usage errors)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-forward-cli-'));
    // One open dead letter (id 1) for batch 7 of sink "upstream".
    const db = openStoreDatabase({ dataDir });
    db.prepare(
      `INSERT INTO forward_dead_letters (sink, batch_id, node_id, signal, http_status, reason, first_failed_at_ms,
         last_failed_at_ms, attempts) VALUES ('upstream', 7, 'node-a', 'metrics', 400, 'bad data', 1, 1, 1)`,
    ).run();
    db.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const forward = (...args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, 'forward', ...args, '--data-dir', dataDir], {
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('exits 2 naming the id when no open dead letter has it', () => {
    const result = forward('retry', '999');
    expect(result.status).toBe(ExitCodes.usage);
    expect(result.stderr).toContain('no open dead letter with id 999');
    expect(result.stdout).not.toContain('retry requested');
  });

  it('exits 2 for an id that is not a number, for neither or both of ID and --all, and for an unknown action', () => {
    const notNumber = forward('retry', 'abc');
    expect(notNumber.status).toBe(ExitCodes.usage);
    expect(notNumber.stderr).toContain('dead-letter id must be a number, not "abc"');
    for (const args of [['retry'], ['retry', '1', '--all']]) {
      const result = forward(...args);
      expect(result.status, args.join(' ')).toBe(ExitCodes.usage);
      expect(result.stderr, args.join(' ')).toContain('forward retry needs a dead-letter ID or --all');
    }
    const unknown = forward('resend');
    expect(unknown.status).toBe(ExitCodes.usage);
    expect(unknown.stderr).toContain('unknown forward action "resend"');
  });

  it('prints the usage (exit 2) without an action, and exits 0 for --help', () => {
    const bare = forward();
    expect(bare.status).toBe(ExitCodes.usage);
    expect(bare.stdout).toContain('perimeter-collector forward <dead-letters|retry>');
    const help = forward('--help');
    expect(help.status).toBe(ExitCodes.ok);
    expect(help.stdout).toContain('retry ID | retry --all');
  });

  it('requests a retry of an open dead letter (exit 0), and says so when it is already requested or gone', () => {
    const listed = JSON.parse(forward('dead-letters', '--json').stdout) as Array<{
      id: number;
      batchId: number;
    }>;
    expect(listed).toMatchObject([{ id: 1, batchId: 7 }]);
    const ok = forward('retry', '1');
    expect(ok.status).toBe(ExitCodes.ok);
    expect(ok.stdout).toContain('retry requested for 1 dead letter');
    const db = openStoreDatabase({ dataDir });
    db.prepare('UPDATE forward_dead_letters SET resolved_at_ms = 2 WHERE id = 1').run();
    db.close();
    const resolved = forward('retry', '1');
    expect(resolved.status).toBe(ExitCodes.usage);
    expect(resolved.stderr).toContain('no open dead letter with id 1');
    const all = forward('retry', '--all');
    expect(all.status).toBe(ExitCodes.usage);
    expect(all.stderr).toContain('no open dead letters');
  });
});
