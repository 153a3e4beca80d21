import { parseDurationMs } from '@perimeter/schema';
import { z } from 'zod';

/**
 * The alert rule model (ARCHITECTURE.md "Alerts"): a small structured form that the collector
 * evaluates itself and compiles to PromQL, so both can be checked against each other. A rule is
 * a function over a window of one selector, optionally aggregated by labels, compared with a
 * number or with another series, optionally joined with an `and`/`unless` condition.
 */

export const RANGE_FUNCTIONS = ['rate', 'increase', 'avg', 'max', 'min', 'last', 'absent', 'age'] as const;
export type RangeFunction = (typeof RANGE_FUNCTIONS)[number];
export const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const AGGREGATIONS = ['sum', 'avg', 'max', 'min', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus label name');
const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a Prometheus metric name');

/** `5m`, `90s`, `0s`; whole seconds, because Prometheus rule files speak seconds at best. */
const duration = z.string().transform((value, ctx) => {
  try {
    const ms = value.trim() === '0' ? 0 : parseDurationMs(value);
    if (ms % 1000 !== 0) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a whole number of seconds` });
      return z.NEVER;
    }
    return ms;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0s');

/** `value` means equality; a value starting with `=~`, `!=` or `!~` uses that operator. */
const matchers = z.record(labelName, z.string()).default({});

const selectorSchema = z
  .object({ metric: metricName, matchers })
  .strict()
  .superRefine((selector, ctx) => {
    for (const [label, raw] of Object.entries(selector.matchers)) {
      const matcher = parseMatcher(label, raw);
      if (matcher.op === '=~' || matcher.op === '!~') {
        try {
          new RegExp(`^(?:${matcher.value})$`);
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: ['matchers', label], message: (error as Error).message });
        }
      }
    }
  });

/**
 * A threshold read from another series: its newest value, or (with `function`) a function over a
 * window of it, optionally aggregated, times `factor`. The latter compares a series with its own
 * baseline: `rate(x[10m]) > on(node) group_left (3 * rate(x[1d]))`.
 */
const thresholdSeriesSchema = z
  .object({
    metric: metricName,
    matchers,
    /** Labels that pair a left element with its threshold series (PromQL `on(...)`). */
    on: z.array(labelName).min(1),
    function: z.enum(['rate', 'increase', 'avg', 'max', 'min', 'last']).optional(),
    window: positiveDuration.optional(),
    aggregate: z.enum(AGGREGATIONS).optional(),
    by: z.array(labelName).optional(),
    factor: z.number().positive().default(1),
  })
  .strict()
  .superRefine((threshold, ctx) => {
    if (threshold.function === undefined) {
      for (const key of ['window', 'aggregate', 'by'] as const) {
        if (threshold[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} needs function (rate, increase, avg, …)`,
          });
        }
      }
    } else {
      checkWindow({ function: threshold.function, window: threshold.window }, ctx, []);
    }
    if (threshold.by !== undefined && threshold.aggregate === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['by'],
        message: 'by needs aggregate (sum, avg, max, min or count)',
      });
    }
  });

const conditionSchema = z
  .object({
    selector: selectorSchema,
    function: z.enum(RANGE_FUNCTIONS),
    window: positiveDuration.optional(),
    aggregate: z.enum(AGGREGATIONS).optional(),
    by: z.array(labelName).optional(),
    op: z.enum(COMPARISONS),
    threshold: z.number(),
    on: z.array(labelName).min(1),
  })
  .strict();

const template = z.string().superRefine((text, ctx) => {
  for (const match of text.matchAll(/\{\{(.*?)\}\}/g)) {
    if (!/^\s*\$(value|labels\.[a-zA-Z_][a-zA-Z0-9_]*)\s*$/.test(match[1] as string)) {
      ctx.addIssue({
        code: 'custom',
        message: `template "{{${match[1]}}}" is not supported (use {{ $labels.NAME }} or {{ $value }})`,
      });
    }
  }
});

export const ruleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an alert name such as AuthFailureSpike'),
    selector: selectorSchema,
    function: z.enum(RANGE_FUNCTIONS),
    /** The range the function looks over; `age` and `last` may omit it (then the 5m lookback). */
    window: positiveDuration.optional(),
    aggregate: z.enum(AGGREGATIONS).optional(),
    /** Labels kept by the aggregation; empty means one value for all series. */
    by: z.array(labelName).optional(),
    op: z.enum(COMPARISONS),
    threshold: z.union([z.number(), thresholdSeriesSchema]),
    and: conditionSchema.optional(),
    unless: conditionSchema.optional(),
    for: duration.default(0),
    keep_firing_for: duration.default(0),
    labels: z
      .record(
        labelName,
        z.string().refine((v) => !v.includes('{{'), 'label templates are not supported'),
      )
      .default({}),
    annotations: z.record(labelName, template).default({}),
  })
  .strict()
  .superRefine((rule, ctx) => {
    checkWindow(rule, ctx, []);
    if (rule.by !== undefined && rule.aggregate === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['by'],
        message: 'by needs aggregate (sum, avg, max, min or count)',
      });
    }
    if (rule.function === 'absent' && (rule.aggregate !== undefined || typeof rule.threshold !== 'number')) {
      ctx.addIssue({
        code: 'custom',
        path: ['function'],
        message: 'absent takes neither aggregate nor a series threshold',
      });
    }
    for (const key of ['and', 'unless'] as const) {
      const condition = rule[key];
      if (condition) {
        checkWindow(condition, ctx, [key]);
      }
    }
  });

function checkWindow(
  expr: { function: RangeFunction; window?: number | undefined },
  ctx: z.RefinementCtx,
  path: string[],
): void {
  const needsWindow = expr.function !== 'age' && expr.function !== 'last';
  if (needsWindow && expr.window === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'window'],
      message: `${expr.function} needs a window such as 5m`,
    });
  }
  if (expr.function === 'age' && expr.window !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'window'],
      message: 'age reads the newest value and takes no window',
    });
  }
}

export const ruleFileSchema = z
  .object({
    /** The Prometheus rule group the file compiles to. */
    group: z.string().min(1).default('perimeter'),
    rules: z.array(z.unknown()),
  })
  .strict();

export type Rule = z.output<typeof ruleSchema>;
export type RuleSelector = Rule['selector'];
export type RuleCondition = NonNullable<Rule['and']>;
export type ThresholdSeries = Exclude<Rule['threshold'], number>;

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export function parseMatcher(label: string, raw: string): Matcher {
  for (const op of ['=~', '!=', '!~'] as const) {
    if (raw.startsWith(op)) {
      return { label, op, value: raw.slice(op.length) };
    }
  }
  return { label, op: '=', value: raw.startsWith('=') ? raw.slice(1) : raw };
}

/** The identity of a rule's state: its name plus its fixed labels (rules may share a name). */
export function ruleKey(rule: Pick<Rule, 'name' | 'labels'>): string {
  const labels = Object.entries(rule.labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return labels.length === 0 ? rule.name : `${rule.name}${JSON.stringify(Object.fromEntries(labels))}`;
}
