import { readFileSync } from 'node:fs';
import { ConfigError, parseDurationMs } from '@perimeter/schema';
import { Document, isMap, isScalar, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type CheckOutcome, type DriftCheck, type DriftParams, formatControls } from './check.ts';
import { allDriftChecks } from './checks/index.ts';
import { type ExpectationInput, normalizeExpectation } from './expectation.ts';

/**
 * The operator's drift baseline (config key `drift.baseline`, a YAML file): which checks run,
 * what each must observe, and the params that allow-lists and minimums need. Absent = every
 * check's own default expectation. Errors name the file and the key path
 * (`baseline.yaml: checks.macos.firewall.enabled.expect: …`). `captureBaseline` writes today's
 * observations back as a baseline for review, each check's title and controls as comments.
 */

const expectationSchema = z.union([
  z.string().min(1),
  z.array(z.string()),
  z.object({ op: z.literal('equals'), value: z.string() }).strict(),
  z.object({ op: z.literal('one-of'), value: z.array(z.string()).min(1) }).strict(),
  z.object({ op: z.literal('version-at-least'), value: z.string().regex(/^\d+(\.\d+)*$/) }).strict(),
  z.object({ op: z.literal('subset-of'), value: z.array(z.string()) }).strict(),
  z.object({ op: z.literal('empty') }).strict(),
]);

const duration = z.string().refine(
  (text) => {
    try {
      parseDurationMs(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a duration such as 30m, 24h, 7d' },
);

export const driftBaselineSchema = z
  .object({
    version: z.literal(1),
    checks: z
      .record(
        z.string(),
        z.object({ expect: expectationSchema.optional(), enabled: z.boolean().optional() }).strict(),
      )
      .default({}),
    params: z
      .object({
        allowedApps: z.array(z.string()).optional(),
        listeners: z
          .array(
            z
              .object({
                port: z.number().int().min(0).max(65535),
                proto: z.enum(['tcp', 'udp']).optional(),
                process: z.string().min(1).optional(),
                user: z.string().min(1).optional(),
              })
              .strict(),
          )
          .optional(),
        workspaceDirs: z
          .array(z.object({ path: z.string().startsWith('/'), maxAge: duration.optional() }).strict())
          .optional(),
        minOsVersion: z
          .string()
          .regex(/^\d+(\.\d+)*$/)
          .optional(),
        allowedSshUsers: z.array(z.string()).optional(),
        dataMount: z.string().startsWith('/').optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export interface DriftBaseline {
  version: 1;
  checks: Record<string, { expect?: ExpectationInput | undefined; enabled?: boolean | undefined }>;
  params: DriftParams;
}

/** Every check at its default expectation, no params. */
export const defaultDriftBaseline: DriftBaseline = { version: 1, checks: {}, params: {} };

export function parseDriftBaseline(
  text: string,
  origin: string,
  knownChecks: readonly DriftCheck[] = allDriftChecks,
): DriftBaseline {
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (error) {
    throw new ConfigError(origin, `not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const result = driftBaselineSchema.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    const path = first && first.path.length > 0 ? first.path.join('.') : '(root)';
    throw new ConfigError(`${origin}: ${path}`, first?.message ?? 'invalid');
  }
  const known = new Set(knownChecks.map((check) => check.id));
  for (const [id, entry] of Object.entries(result.data.checks)) {
    if (!known.has(id)) throw new ConfigError(`${origin}: checks.${id}`, 'no such drift check');
    if (entry.expect !== undefined) normalizeExpectation(entry.expect);
  }
  return result.data as DriftBaseline;
}

export function loadDriftBaseline(path: string, knownChecks?: readonly DriftCheck[]): DriftBaseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(path, `cannot read drift baseline (${code})`, { cause: error });
  }
  return parseDriftBaseline(text, path, knownChecks);
}

/**
 * Today's observations as a baseline: a check with an observed value expects exactly that (or,
 * for allow-lists and minimums, fills the param); a check without one is left out with a comment
 * saying why. Written for a human to review before it becomes the node's baseline.
 */
export function captureBaseline(
  outcomes: readonly CheckOutcome[],
  checks: readonly DriftCheck[] = allDriftChecks,
): string {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const entries: Record<string, { expect: ExpectationInput }> = {};
  const params: Record<string, unknown> = {};
  const notes: Record<string, string> = {};
  for (const outcome of outcomes) {
    const check = byId.get(outcome.id);
    if (!check) continue;
    const header = `${check.title} [${formatControls(check.controls)}]`;
    if (outcome.observed === null) {
      notes[outcome.id] =
        `${outcome.id}: ${header}; not captured (${outcome.status}: ${outcome.reason ?? 'no value'})`;
      continue;
    }
    const captured = check.capture ? check.capture(outcome.observed) : { expect: outcome.observed };
    if (captured.params) Object.assign(params, captured.params);
    if (captured.expect !== undefined) entries[outcome.id] = { expect: captured.expect };
    notes[outcome.id] =
      captured.expect !== undefined ? header : `${outcome.id}: ${header}; captured into params`;
  }
  const doc = new Document({ version: 1, checks: entries, params });
  doc.commentBefore =
    ' Drift baseline captured from observed values: review every line before use.\n' +
    ' Comments give each check title and controls (SOC2 / ISO27001:2022 Annex A).';
  const checksNode = doc.get('checks');
  if (isMap(checksNode)) {
    for (const pair of checksNode.items) {
      if (isScalar(pair.key)) pair.key.commentBefore = ` ${notes[String(pair.key.value)] ?? ''}`;
    }
  }
  const skipped = Object.entries(notes).filter(([id]) => !(id in entries));
  const trailer = skipped.map(([, note]) => `# ${note}`).join('\n');
  return `${doc.toString({ lineWidth: 0 })}${trailer ? `${trailer}\n` : ''}`;
}
