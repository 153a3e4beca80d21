import { readFileSync } from 'node:fs';
import { ConfigError } from '@perimeter/schema';
import { parse as parseYaml } from 'yaml';
import { type Rule, ruleFileSchema, ruleKey, ruleSchema } from './rule-model.ts';

/**
 * Rule files are data: every problem is a ConfigError whose path names the file, the rule (index
 * and name) and the key, e.g. `rules.yaml: rules[2] (NodeDown).window: age reads the newest value…`.
 */
export interface RuleSet {
  group: string;
  rules: Rule[];
  files: string[];
}

export function parseRuleText(text: string, file: string): { group: string; rules: Rule[] } {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(file, `not valid YAML: ${(error as Error).message}`);
  }
  const top = ruleFileSchema.safeParse(document);
  if (!top.success) {
    const issue = top.error.issues[0];
    throw new ConfigError(`${file}: ${issue?.path.join('.') || '(root)'}`, issue?.message ?? 'invalid');
  }
  const rules: Rule[] = [];
  top.data.rules.forEach((raw, index) => {
    const name =
      typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string'
        ? ` (${(raw as { name: string }).name})`
        : '';
    const parsed = ruleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
      throw new ConfigError(`${file}: rules[${index}]${name}${key}`, issue?.message ?? 'invalid');
    }
    rules.push(parsed.data);
  });
  return { group: top.data.group, rules };
}

export function loadRuleFiles(files: readonly string[]): RuleSet {
  const rules: Rule[] = [];
  let group = 'perimeter';
  const seen = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(file, `cannot read rule file: ${(error as Error).message}`);
    }
    const parsed = parseRuleText(text, file);
    if (files.length === 1 || rules.length === 0) {
      group = parsed.group;
    }
    parsed.rules.forEach((rule, index) => {
      const key = ruleKey(rule);
      const other = seen.get(key);
      if (other !== undefined) {
        throw new ConfigError(
          `${file}: rules[${index}] (${rule.name})`,
          `same name and labels as ${other}; rules sharing a name must differ in their labels`,
        );
      }
      seen.set(key, `${file} rules[${index}]`);
      rules.push(rule);
    });
  }
  return { group, rules, files: [...files] };
}

/** The default pack, shipped in the repository (deploy/rules/perimeter.rules.yaml). */
export const DEFAULT_RULES_FILE = new URL('../../../../deploy/rules/perimeter.rules.yaml', import.meta.url)
  .pathname;
