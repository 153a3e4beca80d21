#!/usr/bin/env node
/**
 * Prints vitest's JSON report as one plain closing line, `Tests: N passed, N failed, N skipped`,
 * the form CI systems read without knowing vitest.
 */
import { existsSync, readFileSync } from 'node:fs';

const path = process.argv[2] ?? '.perimeter/test-results.json';
if (!existsSync(path)) {
  console.log('Tests: 0 passed, 1 failed (no test report was written)');
  process.exit(1);
}
const report = JSON.parse(readFileSync(path, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
console.log(
  `Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
);
