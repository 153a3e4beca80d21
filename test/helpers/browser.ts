import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { REPO_ROOT } from './processes.ts';

/**
 * Debian's `chromium`, driven by playwright-core (no bundled browser download): the console's
 * end-to-end tests run in a real browser where the package is installed (.ci/run installs it) and
 * skip, saying why, where it is not. Screenshots go to .perimeter/test-output/console/.
 */
export const CHROMIUM_PATH = process.env.PERIMETER_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO_ROOT, '.perimeter', 'test-output', 'console');

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} not found: skipping the console browser tests (apt-get install chromium)`;
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Root in a container has no user namespaces for the sandbox; the pages are our own.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}
