import { createHash, type Hash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { underRoot } from './store-io.ts';

/**
 * Weights verified at rest. Each round stats every file; a file whose identity (device, inode,
 * size, mtime, ctime) is unchanged keeps its cached SHA-256, so steady state costs one stat per
 * file. A new or changed file is hashed at once. Separately, `background` re-hashes files whose
 * last full hash is older than `rehashAgeMs`, a slice per round within a byte budget (config
 * `models.hashRate`), so a flipped bit or a write that restored mtime is still caught — Ollama
 * itself never re-checks a blob after the pull (ollama#17520).
 */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface CachedDigest extends FileIdentity {
  sha256: string;
  hashedAtMs: number;
}

export type FileCheck =
  /** `changed`: hashed this round because the file was new or its identity moved. */
  | { status: 'ok'; path: string; sha256: string; size: number; changed: boolean; previous: string | null }
  | { status: 'unreadable'; path: string; reason: string };

/** A background re-hash that finished: `sha256` is what the content is now, `cached` what it was. */
export interface RehashResult {
  path: string;
  sha256: string;
  cached: string;
}

export interface WeightsVerifierOptions {
  root: string;
  /** Re-hash in the background once a file's last full hash is this old (default 24 h). */
  rehashAgeMs?: number;
  /** Read size per step; a test may shrink it. */
  chunkBytes?: number;
}

export const DEFAULT_REHASH_AGE_MS = 24 * 3_600_000;
// 1 MiB reads cost no more CPU per MiB than 4 MiB ones, and the buffer is held for the agent's life.
const CHUNK_BYTES = 1024 * 1024;

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs
  );
}

async function identityOf(hostPath: string): Promise<FileIdentity> {
  const s = await stat(hostPath);
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
}

/**
 * Reads into the caller's buffer: a read stream allocates a fresh chunk per read, which measured
 * 2–4× the CPU per MiB of this loop (bench/models.ts, first hash vs background re-hash), and a
 * buffer per file left one chunk of external memory per model for the GC to find, which took the
 * agent's RSS past its 80 MB bar on a first inventory of 20 models.
 */
export async function sha256File(hostPath: string, buffer: Buffer): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(hostPath, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

export interface WeightsVerifier {
  check(paths: readonly string[], nowMs: number): Promise<FileCheck[]>;
  /** Spends at most `budgetBytes` re-hashing stale files; returns the re-hashes that finished. */
  background(budgetBytes: number, nowMs: number): Promise<RehashResult[]>;
  /** The cache, as plain JSON for the state store. */
  snapshot(): Record<string, CachedDigest>;
  /** Drops entries for files no model names any more. */
  retain(paths: ReadonlySet<string>): void;
}

export function createWeightsVerifier(
  options: WeightsVerifierOptions,
  restored: Record<string, CachedDigest> = {},
): WeightsVerifier {
  const rehashAgeMs = options.rehashAgeMs ?? DEFAULT_REHASH_AGE_MS;
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const cache = new Map(Object.entries(restored));
  // One read buffer for the verifier's life: check() and background() are never in flight together
  // (the models source awaits one before the next round), so they share it.
  let readBuffer: Buffer | undefined;
  const buffer = () => {
    readBuffer ??= Buffer.allocUnsafe(chunkBytes);
    return readBuffer;
  };
  let running: { path: string; identity: FileIdentity; hash: Hash; offset: number } | null = null;

  async function checkOne(path: string, nowMs: number): Promise<FileCheck> {
    const hostPath = underRoot(options.root, path);
    try {
      const identity = await identityOf(hostPath);
      const cached = cache.get(path);
      if (cached && sameIdentity(cached, identity)) {
        return {
          status: 'ok',
          path,
          sha256: cached.sha256,
          size: identity.size,
          changed: false,
          previous: null,
        };
      }
      const sha256 = await sha256File(hostPath, buffer());
      // Re-stat: a file written while it was hashed is hashed again next round, not cached half-new.
      const after = await identityOf(hostPath);
      if (sameIdentity(identity, after)) cache.set(path, { ...identity, sha256, hashedAtMs: nowMs });
      if (running?.path === path) running = null;
      return {
        status: 'ok',
        path,
        sha256,
        size: identity.size,
        changed: true,
        previous: cached?.sha256 ?? null,
      };
    } catch (error) {
      return {
        status: 'unreadable',
        path,
        reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
      };
    }
  }

  function nextStale(nowMs: number, skip: ReadonlySet<string>): string | null {
    let oldest: [string, CachedDigest] | null = null;
    for (const entry of cache) {
      if (skip.has(entry[0]) || nowMs - entry[1].hashedAtMs < rehashAgeMs) continue;
      if (oldest === null || entry[1].hashedAtMs < oldest[1].hashedAtMs) oldest = entry;
    }
    return oldest?.[0] ?? null;
  }

  return {
    async check(paths, nowMs) {
      const out: FileCheck[] = [];
      for (const path of paths) out.push(await checkOne(path, nowMs));
      return out;
    },
    async background(budgetBytes, nowMs) {
      const done: RehashResult[] = [];
      let budget = budgetBytes;
      const visited = new Set<string>(); // each file at most once per call, whatever rehashAgeMs
      while (budget > 0) {
        if (running === null) {
          const path = nextStale(nowMs, visited);
          const cached = path === null ? undefined : cache.get(path);
          if (path === null || cached === undefined) break;
          running = { path, identity: cached, hash: createHash('sha256'), offset: 0 };
        }
        visited.add(running.path);
        const job = running;
        const cached = cache.get(job.path);
        let handle: Awaited<ReturnType<typeof open>> | undefined;
        try {
          const hostPath = underRoot(options.root, job.path);
          if (!cached || !sameIdentity(cached, await identityOf(hostPath))) {
            running = null; // changed since: the next round's stat re-hashes it at once
            continue;
          }
          handle = await open(hostPath, 'r');
          const chunk = buffer();
          while (budget > 0 && job.offset < job.identity.size) {
            const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, budget), job.offset);
            if (bytesRead === 0) break;
            job.hash.update(chunk.subarray(0, bytesRead));
            job.offset += bytesRead;
            budget -= bytesRead;
          }
        } catch {
          running = null; // unreadable now: the next round's stat reports it
          continue;
        } finally {
          await handle?.close();
        }
        if (job.offset < job.identity.size) break;
        const sha256 = job.hash.digest('hex');
        running = null;
        cache.set(job.path, { ...cached, sha256, hashedAtMs: nowMs });
        done.push({ path: job.path, sha256, cached: cached.sha256 });
      }
      return done;
    },
    snapshot: () => Object.fromEntries(cache),
    retain(paths) {
      for (const path of cache.keys()) if (!paths.has(path)) cache.delete(path);
    },
  };
}
