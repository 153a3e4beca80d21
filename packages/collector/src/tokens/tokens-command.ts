import { parseArgs } from 'node:util';
import { ExitCodes, parseDurationMs, UsageError } from '@perimeter/schema';
import { cliActor } from '../cli-actor.ts';
import { openStoreFile } from '../store/store-file.ts';
import { createToken, listTokens, revokeTokens, type TokenRole } from './token-store.ts';

/** `perimeter-collector tokens create|list|revoke`: prints the new token alone on stdout, for scripts. */
const TOKENS_USAGE = `perimeter-collector tokens <create|list|revoke> [options]

  create --node ID [--role node|reader|admin] [--expires 90d]
                                                print a new token (shown once) alone on stdout;
                                                with --expires it is refused after that long
  list [--json]                                 list tokens (never their secrets)
  revoke --node ID                              revoke every live token of a node
  revoke TOKEN_ID                               revoke one token

Options: --data-dir DIR (default ./.perimeter/collector, or PERIMETER_DATA_DIR)`;

export interface CommandIo {
  stdout: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  nowMs: () => number;
}

export function runTokensCommand(args: string[], io: CommandIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      node: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...operands] = positionals;
  if (values.help || action === undefined) {
    io.stdout.write(`${TOKENS_USAGE}\n`);
    return values.help ? ExitCodes.ok : ExitCodes.usage;
  }
  const dataDir = values['data-dir'] ?? io.env.PERIMETER_DATA_DIR ?? './.perimeter/collector';
  const actor = cliActor();
  process.umask(0o077);
  const store = openStoreFile({ dataDir });
  try {
    switch (action) {
      case 'create': {
        const nodeId = values.node;
        if (!nodeId || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(nodeId)) {
          throw new UsageError('tokens create needs --node ID (letters, digits, ".", "_", "-")');
        }
        const role = (values.role ?? 'node') as TokenRole;
        if (!['node', 'reader', 'admin'].includes(role)) {
          throw new UsageError(`--role must be node, reader or admin, not "${values.role}"`);
        }
        const nowMs = io.nowMs();
        const expiresAtMs = values.expires === undefined ? null : nowMs + expiresAfterMs(values.expires);
        io.stdout.write(`${createToken(store, { nodeId, role, actor, nowMs, expiresAtMs }).token}\n`);
        return ExitCodes.ok;
      }
      case 'list': {
        const tokens = listTokens(store);
        if (values.json) {
          io.stdout.write(`${JSON.stringify(tokens)}\n`);
        } else {
          io.stdout.write(
            `${['ID'.padEnd(18), 'NODE'.padEnd(24), 'ROLE'.padEnd(8), 'CREATED'.padEnd(26), 'EXPIRES'.padEnd(26), 'REVOKED'].join('')}\n`,
          );
          for (const token of tokens) {
            io.stdout.write(
              `${[
                token.id.padEnd(18),
                token.nodeId.padEnd(24),
                token.role.padEnd(8),
                new Date(token.createdAtMs).toISOString().padEnd(26),
                expiryText(token.expiresAtMs, io.nowMs()).padEnd(26),
                token.revokedAtMs === null ? '-' : new Date(token.revokedAtMs).toISOString(),
              ].join('')}\n`,
            );
          }
        }
        return ExitCodes.ok;
      }
      case 'revoke': {
        const tokenId = operands[0];
        if ((tokenId === undefined) === (values.node === undefined)) {
          throw new UsageError('tokens revoke needs either --node ID or a TOKEN_ID');
        }
        const revoked = revokeTokens(store, { tokenId, nodeId: values.node, actor, nowMs: io.nowMs() });
        if (revoked === 0) {
          throw new UsageError(`no live token matched ${tokenId ? `id ${tokenId}` : `node ${values.node}`}`);
        }
        io.stdout.write(`revoked ${revoked} token${revoked === 1 ? '' : 's'}\n`);
        return ExitCodes.ok;
      }
      default:
        throw new UsageError(`unknown tokens action "${action}" (create, list or revoke)`);
    }
  } finally {
    store.close();
  }
}

/** `--expires 90d`: a positive duration (schema's parseDurationMs), naming the flag when it is not one. */
function expiresAfterMs(text: string): number {
  let ms: number;
  try {
    ms = parseDurationMs(text);
  } catch {
    throw new UsageError(`--expires must be a duration such as 90d or 12h, not "${text}"`);
  }
  if (!(ms > 0)) {
    throw new UsageError(`--expires must be a positive duration, not "${text}"`);
  }
  return ms;
}

function expiryText(expiresAtMs: number | null, nowMs: number): string {
  if (expiresAtMs === null) {
    return 'never';
  }
  return `${new Date(expiresAtMs).toISOString()}${expiresAtMs <= nowMs ? ' (expired)' : ''}`;
}
