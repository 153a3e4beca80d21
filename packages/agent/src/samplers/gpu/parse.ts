import type { GpuStats } from './readings.ts';

/**
 * Pure mapping from nvidia-smi CSV to GPU readings. Columns are found by name, never by position,
 * so our narrow `--format=csv,noheader,nounits` query (given our own field list as the header) and
 * a full `--format=csv` capture (header with `[unit]` suffixes, values like `19818 MiB`) go through
 * the same code. A value nvidia-smi cannot give (`[N/A]`, `[Not Supported]`, `N/A`) is no reading,
 * never 0: a GPU without a power sensor must not look like one that draws nothing.
 */

/** The fields our query asks for, in order; also the header of its `noheader` output. */
export const NVIDIA_QUERY_FIELDS = [
  'index',
  'uuid',
  'pci.bus_id',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
] as const;

/** One GPU's line: column name (unit suffix dropped) → trimmed value text. */
export type NvidiaSmiRow = ReadonlyMap<string, string>;

export interface NvidiaSmiTable {
  rows: NvidiaSmiRow[];
  /** 1-based line numbers whose field count did not match the header (an error line, a cut-off write). */
  badLines: number[];
}

/** Without `header`, the first non-empty line is the header (`--format=csv`). */
export function parseNvidiaSmiCsv(text: string, header?: readonly string[]): NvidiaSmiTable {
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ line, number: i + 1 }))
    .filter(({ line }) => line.trim() !== '');
  const columns = (header ?? splitCsvLine(lines.shift()?.line ?? '')).map(columnName);
  const table: NvidiaSmiTable = { rows: [], badLines: [] };
  for (const { line, number } of lines) {
    // nvidia-smi neither quotes nor escapes: a comma always separates fields (fixtures: 212 and 202
    // fields, none quoted), so a field-count mismatch means the line is not a data row.
    const values = splitCsvLine(line);
    if (values.length !== columns.length) {
      table.badLines.push(number);
      continue;
    }
    table.rows.push(new Map(columns.map((column, i) => [column, values[i] ?? ''])));
  }
  return table;
}

function splitCsvLine(line: string): string[] {
  return line.split(',').map((field) => field.trim());
}

/** `utilization.gpu [%]` → `utilization.gpu`. */
function columnName(header: string): string {
  return header.replace(/\s*\[[^\]]*\]\s*$/, '').trim();
}

/** A number with an optional unit (`631.95 W`, `100 %`, `59`); null for `[N/A]` and other non-values. */
export function parseNvidiaNumber(raw: string | undefined, units: readonly string[] = []): number | null {
  const match = /^(-?\d+(?:\.\d+)?)(?:\s*(\S+))?$/.exec(raw?.trim() ?? '');
  if (!match) {
    return null;
  }
  const [, number, unit] = match;
  if (unit !== undefined && !units.includes(unit)) {
    return null;
  }
  const value = Number(number);
  return Number.isFinite(value) ? value : null;
}

const MIB_BYTES = 1024 * 1024;

export function nvidiaGpuStats(row: NvidiaSmiRow): GpuStats {
  const index = row.get('index') ?? '?';
  const percent = parseNvidiaNumber(row.get('utilization.gpu'), ['%']);
  const mib = (column: string) => {
    const value = parseNvidiaNumber(row.get(column), ['MiB']);
    // A finite MiB count can still overflow to Infinity bytes (a garbled 300-digit cell).
    return value === null || !Number.isFinite(value * MIB_BYTES) ? null : value * MIB_BYTES;
  };
  return {
    id: nvidiaGpuId(row.get('uuid'), row.get('pci.bus_id'), index),
    name: presentText(row.get('name')) ?? `NVIDIA GPU ${index}`,
    utilizationRatio: percent === null ? null : percent / 100,
    memoryUsedBytes: mib('memory.used'),
    memoryTotalBytes: mib('memory.total'),
    temperatureCelsius: parseNvidiaNumber(row.get('temperature.gpu'), ['C']),
    powerWatts: parseNvidiaNumber(row.get('power.draw'), ['W']),
  };
}

/**
 * The uuid survives reboots and slot moves; captures and some VMs mask it with zeros, and then every
 * GPU would share one id, so the PCI bus id takes over, and the index (which can reorder) comes last.
 */
export function nvidiaGpuId(uuid: string | undefined, busId: string | undefined, index: string): string {
  const presentUuid = presentText(uuid);
  if (presentUuid !== null && !/^GPU-[0-]+$/i.test(presentUuid)) {
    return presentUuid;
  }
  return presentText(busId) ?? `nvidia:${index}`;
}

function presentText(raw: string | undefined): string | null {
  const text = raw?.trim() ?? '';
  return text === '' || text === 'N/A' || /^\[.*\]$/.test(text) ? null : text;
}
