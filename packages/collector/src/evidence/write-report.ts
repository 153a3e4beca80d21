import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@perimeter/schema';
import type { EvidenceReport } from './build-report.ts';
import { renderMarkdown } from './render-markdown.ts';

/**
 * Writes the evidence directory: evidence.md, evidence.json, one CSV per table, and MANIFEST.sha256
 * (`sha256sum -c` format) over all of them. The directory is 0700 and every file 0600 (the report
 * names users, hosts and source addresses); an existing non-empty directory is refused, so a
 * report is never a mix of two runs.
 */
export const MANIFEST_NAME = 'MANIFEST.sha256';

export function prepareOutDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) {
      throw new UsageError(`--out ${dir} exists and is not a directory`);
    }
    if (readdirSync(dir).length > 0) {
      throw new UsageError(`--out ${dir} is not empty; give a new or empty directory`);
    }
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  chmodSync(dir, 0o700);
}

export function writeReport(dir: string, report: EvidenceReport): string[] {
  const files: Record<string, string> = {
    'evidence.md': renderMarkdown(report),
    'evidence.json': `${JSON.stringify(reportJson(report), null, 2)}\n`,
    ...Object.assign({}, ...report.sections.map((section) => section.csv)),
  };
  const manifest: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    manifest.push(`${createHash('sha256').update(content).digest('hex')}  ${name}`);
  }
  const manifestPath = join(dir, MANIFEST_NAME);
  writeFileSync(manifestPath, `${manifest.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(manifestPath, 0o600);
  return [...Object.keys(files), MANIFEST_NAME];
}

/** evidence.json: the period, then each section's entries in report order, then the verdict. */
export function reportJson(report: EvidenceReport): Record<string, unknown> {
  return {
    generatedAtMs: report.generatedAtMs,
    period: report.period,
    ...Object.assign({}, ...report.sections.map((section) => section.json)),
    integrityOk: report.integrityOk,
  };
}
