import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'vitest';

/**
 * Real outputs live once, in `../shared/fixtures` beside the repository, and are read in place:
 * copying them in would let the repo's copy drift from the recorded source (SOURCES.md). A checkout
 * without that folder (a contributor's laptop, a CI job that did not mount it) must still pass, so
 * fixture-backed suites skip there and say why instead of failing.
 */

/** packages/agent/src/test-support → the repository root. */
export const repoRoot = resolve(import.meta.dirname, '../../../..');
export const sharedFixturesRoot = resolve(repoRoot, '../shared/fixtures');
export const sharedFixturesAvailable = existsSync(sharedFixturesRoot);

export function sharedFixturePath(...parts: string[]): string {
  return resolve(sharedFixturesRoot, ...parts);
}

/**
 * `describe` that skips, with the reason in the suite name and a warning on stderr, when the shared
 * fixtures are absent.
 */
export function describeWithFixtures(name: string, body: () => void): void {
  if (!sharedFixturesAvailable) {
    console.warn(`skipping "${name}": shared fixtures not found at ${sharedFixturesRoot}`);
  }
  if (sharedFixturesAvailable) {
    describe(name, body);
    return;
  }
  // The body is not even run for collection: it may read a fixture at the top of the suite.
  describe.skip(`${name} (skipped: no ${sharedFixturesRoot})`, () => {
    it('needs the shared fixtures', () => {});
  });
}
