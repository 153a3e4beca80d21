import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The on-disk shape of a capture (`perimeter-agent capture --out DIR`), which a user sends with a
 * support case and `--from-capture` replays. The directory comes from outside, so it is checked
 * before anything is read: every error names the bad key (`commands.2.status`) or the missing file,
 * and referenced files must be plain names inside DIR (no `..`, no slashes).
 */

export const MANIFEST_FILE = 'manifest.json';
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a file name inside the capture');
const hostPath = z.string().startsWith('/', 'expected an absolute host path');

const commandEntry = z.strictObject({
  argv: z.array(z.string()).min(1),
  status: z.enum(['ok', 'not-found', 'failed', 'timeout']),
  exitCode: z.number().int().nullable().optional(),
  afterMs: z.number().nonnegative().optional(),
  stdoutFile: fileName.optional(),
  stderrFile: fileName.optional(),
});

const httpEntry = z.strictObject({
  url: z.url(),
  status: z.enum(['ok', 'unreachable', 'http-error', 'timeout']),
  bodyFile: fileName.optional(),
  code: z.number().int().optional(),
  reason: z.string().optional(),
  afterMs: z.number().nonnegative().optional(),
});

const fileEntry = z.union([
  z.strictObject({ path: hostPath, file: fileName }),
  z.strictObject({ path: hostPath, absent: z.literal(true) }),
  z.strictObject({ path: hostPath, error: z.string() }),
]);

const dirEntry = z.union([
  z.strictObject({ path: hostPath, entries: z.array(z.string()) }),
  z.strictObject({ path: hostPath, absent: z.literal(true) }),
  z.strictObject({ path: hostPath, error: z.string() }),
]);

export const manifestSchema = z.strictObject({
  formatVersion: z.literal(1),
  createdAt: z.iso.datetime(),
  platform: z.enum([
    'aix',
    'android',
    'darwin',
    'freebsd',
    'haiku',
    'linux',
    'openbsd',
    'sunos',
    'win32',
    'cygwin',
    'netbsd',
  ]),
  arch: z.string(),
  hostname: z.string(),
  /** The --fs-root the capture read under; samplers name it in their reasons. */
  fsRoot: z.string().default('/'),
  commands: z.array(commandEntry),
  /** Local HTTP reads (macmon serve); absent in captures made before the agent read any. */
  http: z.array(httpEntry).default([]),
  files: z.array(fileEntry),
  dirs: z.array(dirEntry),
  realPaths: z.array(z.strictObject({ path: hostPath, target: z.string().nullable() })),
  /** systeminformation's answers (a file of JSON), absent when the system sampler did not run. */
  systemFile: fileName.optional(),
  /** What `once --json` printed for the captured round, to compare a replay with. */
  onceFile: fileName.optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type CommandEntry = z.infer<typeof commandEntry>;
export type FileEntry = z.infer<typeof fileEntry>;
export type DirEntry = z.infer<typeof dirEntry>;

/** A capture read back: the manifest plus the text of every file it names. */
export interface LoadedCapture {
  manifest: Manifest;
  text(file: string): string;
}

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  readonly code = 'config';
}

export function loadCapture(dir: string): LoadedCapture {
  const where = join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(where, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw new CaptureError(`${where}: ${why}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const key = issue?.path.join('.') || '(top level)';
    throw new CaptureError(`${where}: ${key}: ${issue?.message ?? 'invalid'}`);
  }
  const manifest = parsed.data;
  const texts = new Map<string, string>();
  const referenced: Array<[string, string | undefined]> = [
    ...manifest.commands.flatMap(
      (c, i): Array<[string, string | undefined]> => [
        [`commands.${i}.stdoutFile`, c.stdoutFile],
        [`commands.${i}.stderrFile`, c.stderrFile],
      ],
    ),
    ...manifest.files.map((f, i): [string, string | undefined] => [
      `files.${i}.file`,
      'file' in f ? f.file : undefined,
    ]),
    ...manifest.http.map((h, i): [string, string | undefined] => [`http.${i}.bodyFile`, h.bodyFile]),
    ['systemFile', manifest.systemFile],
  ];
  for (const [key, file] of referenced) {
    if (file === undefined || texts.has(file)) continue;
    try {
      texts.set(file, readFileSync(join(dir, file), 'utf8'));
    } catch {
      throw new CaptureError(`${where}: ${key}: ${file} not found in ${dir}`);
    }
  }
  return { manifest, text: (file) => texts.get(file) ?? '' };
}
