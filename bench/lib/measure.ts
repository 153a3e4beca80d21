import { readFileSync } from 'node:fs';
import type { Logger } from '../../packages/agent/src/samplers/types.ts';
import { median } from '../../test/helpers/processes.ts';

/**
 * What the in-process sampler benches (samplers, models) share: the median (min–max) cell, the CPU
 * of the programs they spawn, and a logger that says nothing (a bench prints only its table).
 */

/** `median (min–max)` with `digits` decimals. */
export const fmt = (values: number[], digits: number) => {
  const f = (v: number) =>
    v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
};

/** User+system CPU ms of this process's reaped children (cutime+cstime, clock ticks of 10 ms). */
export function reapedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const noop = () => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
