/**
 * A pure parser for `ioreg -r -d 1 -w 0` text, so the macOS GPU reader takes its figures from the
 * `PerformanceStatistics` dictionary by key (regexes over the line trip on `"In use system memory
 * (driver)"` and on the same names in `IOReportLegend`). `-w 0` keeps each property on one line,
 * so a truncated or garbled line costs only that property: it is listed in `problems`, never thrown.
 */

import { type IoregDict, parseIoregValue } from './ioreg-value.ts';

export type { IoregData, IoregDict, IoregValue } from './ioreg-value.ts';

/** One `+-o Name  <class C, id 0x…, …>` entry with the properties that parsed. */
export interface IoregNode {
  name: string;
  className: string;
  registryId: string;
  properties: IoregDict;
  /** Properties or lines that did not parse, as `line N: why`. */
  problems: string[];
}

const NODE_HEADER = /^[\s|]*\+-o (.+?)\s+<class ([^,>]+), id (0x[0-9a-fA-F]+)/;
const PROPERTY = /^[\s|]*"([^"]*)" = (.*)$/;

export function parseIoregNodes(text: string): IoregNode[] {
  const nodes: IoregNode[] = [];
  let current: IoregNode | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const header = NODE_HEADER.exec(line);
    if (header) {
      const [, name = '', className = '', registryId = ''] = header;
      current = { name, className, registryId, properties: new Map(), problems: [] };
      nodes.push(current);
      return;
    }
    const body = line.replace(/^[\s|]*/, '');
    if (body === '' || body === '{' || body === '}' || current === undefined) {
      return;
    }
    const property = PROPERTY.exec(line);
    if (!property) {
      current.problems.push(`line ${index + 1}: not a "key" = value line`);
      return;
    }
    const [, key = '', valueText = ''] = property;
    try {
      current.properties.set(key, parseIoregValue(valueText));
    } catch (error) {
      current.problems.push(`line ${index + 1}: "${key}": ${(error as Error).message}`);
    }
  });
  return nodes;
}
