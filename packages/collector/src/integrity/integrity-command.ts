import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ExitCodes, UsageError } from '@perimeter/schema';
import { collectorConfigArgs, DEFAULT_DATA_DIR, dataDirArg } from '../cli-args.ts';
import { openStoreFile } from '../store/store-file.ts';
import { makeCheckpoint } from './checkpoint.ts';
import { readCheckpointFiles } from './checkpoint-files.ts';
import { signedSettings } from './checkpoint-job.ts';
import { createSigningKeyFiles, loadPublicKey, loadSigningKey } from './keys.ts';
import { verifyStore } from './verify-store.ts';

interface CommandIo {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  nowMs: () => number;
}

/** `perimeter-collector keys create --out DIR`: the Ed25519 checkpoint signing key pair. */
export function runKeysCommand(args: string[], io: CommandIo): number {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals[0] !== 'create' || values.out === undefined) {
    io.stdout.write(
      'perimeter-collector keys create --out DIR\n  writes an Ed25519 checkpoint signing key (0600) and its public key; keep DIR outside the data directory\n',
    );
    return values.help ? ExitCodes.ok : ExitCodes.usage;
  }
  const created = createSigningKeyFiles(values.out);
  io.stdout.write(
    `private key ${created.privateKeyPath} (0600: set integrity.signingKey to it)\npublic key  ${created.publicKeyPath}\nkey id      ${created.keyId}\n`,
  );
  return ExitCodes.ok;
}

/** `perimeter-collector checkpoint --data-dir D --out FILE`: a signed checkpoint now, kept in the store and written to FILE. */
export function runCheckpointCommand(args: string[], io: CommandIo): number {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      'signing-key': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(
      'perimeter-collector checkpoint --data-dir D --out FILE [--config FILE] [--signing-key FILE]\n',
    );
    return ExitCodes.ok;
  }
  const config = collectorConfigArgs(values.config, { dataDir: values['data-dir'] }, io.env);
  const keyPath = values['signing-key'] ?? config.integrity.signingKey;
  if (keyPath === undefined || values.out === undefined) {
    throw new UsageError(
      'checkpoint needs --out FILE and a key (--signing-key FILE or integrity.signingKey)',
    );
  }
  process.umask(0o077);
  const store = openStoreFile({ dataDir: config.dataDir ?? DEFAULT_DATA_DIR });
  try {
    const checkpoint = makeCheckpoint(store, loadSigningKey(keyPath), signedSettings(config), io.nowMs());
    writeFileSync(values.out, `${JSON.stringify(checkpoint.envelope)}\n`, { mode: 0o600 });
    io.stdout.write(
      `checkpoint ${checkpoint.body.seq} ${checkpoint.hash} (key ${checkpoint.body.keyId}) → ${values.out}\n`,
    );
    return ExitCodes.ok;
  } finally {
    store.close();
  }
}

/** `perimeter-collector verify --data-dir D [--checkpoint FILE ...] [--public-key FILE]`: 0 intact, 3 broken. */
export function runVerifyCommand(args: string[], io: CommandIo): number {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      checkpoint: { type: 'string', multiple: true },
      'public-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(
      "perimeter-collector verify --data-dir D [--checkpoint FILE ...] [--public-key FILE]\n  FILE: one signed checkpoint, or JSON lines of them (the file sink's checkpoints/ file)\n  exit 0 intact, 3 broken (naming what broke, where, and since which checkpoint)\n",
    );
    return ExitCodes.ok;
  }
  const given = readCheckpointFiles(values.checkpoint ?? []);
  const pinned = values['public-key'] === undefined ? undefined : loadPublicKey(values['public-key']);
  const store = openStoreFile({
    dataDir: dataDirArg(values['data-dir'], io.env),
    readonly: true,
  });
  try {
    const verdict = verifyStore({ store, given, ...(pinned ? { pinnedKey: pinned.publicKey } : {}) });
    const against =
      verdict.checkpoint === null
        ? 'no checkpoint'
        : `checkpoint ${verdict.checkpoint.seq} of ${new Date(verdict.checkpoint.atMs).toISOString()} (${verdict.checkpoint.origin}, key ${verdict.checkpoint.keyId})`;
    io.stdout.write(
      `${verdict.ok ? 'INTACT' : 'BROKEN'}: ${verdict.nodes} node(s) verified against ${against}\n`,
    );
    for (const problem of verdict.problems) {
      io.stdout.write(`  BROKEN ${problem.where}: ${problem.what}\n`);
    }
    for (const note of verdict.notes) {
      io.stdout.write(`  note: ${note}\n`);
    }
    return verdict.ok ? ExitCodes.ok : ExitCodes.integrityBroken;
  } finally {
    store.close();
  }
}
