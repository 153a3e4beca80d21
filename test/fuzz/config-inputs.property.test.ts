import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseDriftBaseline } from '../../packages/agent/src/samplers/drift/baseline.ts';
import { parseRuleText } from '../../packages/collector/src/alerts/load-rules.ts';
import {
  agentConfigSchema,
  ConfigError,
  collectorConfigSchema,
  validateConfig,
} from '../../packages/schema/src/index.ts';

/**
 * The files an operator writes — alert rules, agent and collector config, drift baselines — under
 * arbitrary and hostile content: each is either accepted or refused with a ConfigError that names
 * where (file and key), never a TypeError, a hang or a crash. 3,000 cases (ingest and the read APIs
 * have their own 10,000+ in packages/collector).
 */
const hostileText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[[[[[[',
    '*a',
    '&a [*a, *a]',
    '!!js/function "x"',
    '? : -',
    'rules: {x: [}',
    '\u0000',
    '---\n---\n',
  ),
  fc.jsonValue({ maxDepth: 5 }).map((value) => stringify(value)),
);
const shaped = (keys: string[]) =>
  fc
    .dictionary(fc.constantFrom(...keys), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string()), {
      maxKeys: 6,
    })
    .map((value) => stringify(value));

function acceptedOrNamed(parse: () => unknown, where: RegExp): void {
  try {
    parse();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(where);
  }
}

describe('operator files under hostile content (fast-check)', () => {
  it('alert rule files: 1,000 cases', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText,
          shaped(['group', 'rules']),
          shaped(['name', 'selector', 'function', 'window', 'op', 'threshold', 'for']).map(
            (rule) => `group: g\nrules:\n  - ${rule.replace(/\n/g, '\n    ')}`,
          ),
        ),
        (text) => acceptedOrNamed(() => parseRuleText(text, 'hostile.rules.yaml'), /^hostile\.rules\.yaml/),
      ),
      { numRuns: 1_000 },
    );
  });

  it('agent and collector config: 1,000 cases', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        acceptedOrNamed(() => validateConfig(agentConfigSchema, value, 'agent.yaml'), /^agent\.yaml/);
        acceptedOrNamed(
          () => validateConfig(collectorConfigSchema, value, 'collector.yaml'),
          /^collector\.yaml/,
        );
      }),
      { numRuns: 1_000 },
    );
  });

  it('drift baselines: 1,000 cases', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, shaped(['version', 'checks', 'params'])), (text) =>
        acceptedOrNamed(() => parseDriftBaseline(text, 'baseline.yaml'), /^baseline\.yaml/),
      ),
      { numRuns: 1_000 },
    );
  });
});
