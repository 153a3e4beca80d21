import { stringify } from 'yaml';
import type { RuleSet } from './load-rules.ts';
import {
  parseMatcher,
  type Rule,
  type RuleCondition,
  type RuleSelector,
  type ThresholdSeries,
} from './rule-model.ts';

/**
 * Compiles the rule model to a Prometheus rule file. Each construct maps to exactly one PromQL
 * form, and evaluate.ts implements that form, so `promtool test rules` on the output is a check
 * of the embedded engine (alerts/promtool-differential.test.ts).
 */
const RANGE_NAMES = {
  rate: 'rate',
  increase: 'increase',
  avg: 'avg_over_time',
  max: 'max_over_time',
  min: 'min_over_time',
  last: 'last_over_time',
  absent: 'absent_over_time',
} as const;

export function compileSelector(selector: Pick<RuleSelector, 'metric' | 'matchers'>): string {
  const parts = Object.entries(selector.matchers).map(([label, raw]) => {
    const m = parseMatcher(label, raw);
    return `${label}${m.op}${JSON.stringify(m.value)}`;
  });
  return parts.length === 0 ? selector.metric : `${selector.metric}{${parts.join(', ')}}`;
}

export function formatDuration(ms: number): string {
  if (ms === 0) {
    return '0s';
  }
  let seconds = Math.round(ms / 1000);
  let text = '';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (seconds >= size) {
      text += `${Math.floor(seconds / size)}${unit}`;
      seconds %= size;
    }
  }
  return text;
}

interface FunctionShape {
  selector: Pick<RuleSelector, 'metric' | 'matchers'>;
  function: Rule['function'];
  window?: number | undefined;
  aggregate?: Rule['aggregate'];
  by?: string[] | undefined;
}

function compileFunction(expr: FunctionShape): string {
  const selector = compileSelector(expr.selector);
  let inner: string;
  if (expr.function === 'age') {
    inner = `time() - ${selector}`;
  } else if (expr.function === 'last' && expr.window === undefined) {
    inner = selector;
  } else {
    inner = `${RANGE_NAMES[expr.function]}(${selector}[${formatDuration(expr.window as number)}])`;
  }
  if (expr.aggregate === undefined) {
    return inner;
  }
  const by = expr.by ?? [];
  return by.length === 0
    ? `${expr.aggregate}(${inner})`
    : `${expr.aggregate} by (${by.join(', ')}) (${inner})`;
}

function compileThresholdSeries(threshold: ThresholdSeries): string {
  if (threshold.function === undefined) {
    return compileSelector(threshold);
  }
  const inner = compileFunction({ ...threshold, selector: threshold, function: threshold.function });
  // No parentheses: after `group_left` a `(` would open a label list; `*` binds tighter than `>`.
  return threshold.factor === 1 ? inner : `${threshold.factor} * ${inner}`;
}

function compileCondition(condition: RuleCondition): string {
  return `${compileFunction(condition)} ${condition.op} ${condition.threshold}`;
}

export function compileExpr(rule: Rule): string {
  let expr = compileFunction(rule);
  if (typeof rule.threshold === 'number') {
    expr = `${expr} ${rule.op} ${rule.threshold}`;
  } else {
    // group_left keeps the left side's labels (a plain on() would keep only the on labels).
    expr = `${expr} ${rule.op} on(${rule.threshold.on.join(', ')}) group_left ${compileThresholdSeries(rule.threshold)}`;
  }
  if (rule.and) {
    expr = `(${expr}) and on(${rule.and.on.join(', ')}) (${compileCondition(rule.and)})`;
  }
  if (rule.unless) {
    expr = `(${expr}) unless on(${rule.unless.on.join(', ')}) (${compileCondition(rule.unless)})`;
  }
  return expr;
}

export function compilePrometheusRule(rule: Rule): Record<string, unknown> {
  const out: Record<string, unknown> = { alert: rule.name, expr: compileExpr(rule) };
  if (rule.for > 0) {
    out['for'] = formatDuration(rule.for);
  }
  if (rule.keep_firing_for > 0) {
    out['keep_firing_for'] = formatDuration(rule.keep_firing_for);
  }
  if (Object.keys(rule.labels).length > 0) {
    out['labels'] = rule.labels;
  }
  if (Object.keys(rule.annotations).length > 0) {
    out['annotations'] = rule.annotations;
  }
  return out;
}

export function compilePrometheusRuleFile(ruleSet: Pick<RuleSet, 'group' | 'rules'>, header: string): string {
  const document = { groups: [{ name: ruleSet.group, rules: ruleSet.rules.map(compilePrometheusRule) }] };
  const comment = header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify(document, { lineWidth: 0 })}`;
}
