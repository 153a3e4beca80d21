import { describe, expect, it } from 'vitest';
import { allDriftChecks } from './checks/index.ts';

describe('drift check catalogue', () => {
  it('has unique ids, each with SOC 2 and ISO 27001:2022 Annex A controls', () => {
    const ids = allDriftChecks.map((check) => check.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of allDriftChecks) {
      expect(check.controls.soc2.length, check.id).toBeGreaterThan(0);
      expect(
        check.controls.iso27001.every((c) => /^A\.[5-8]\.\d+$/.test(c)),
        check.id,
      ).toBe(true);
      expect(
        check.id.startsWith(
          check.platform === 'darwin' ? 'macos.' : check.platform === 'linux' ? 'linux.' : '',
        ),
        check.id,
      ).toBe(true);
    }
  });
});
