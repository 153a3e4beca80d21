/**
 * `pmset -g therm` (built in, no root) is the only thermal signal every Mac has without extra
 * software. It prints what powerd has *published*, so the mapping to a pressure level must not
 * read more into it than that:
 *
 * - "Note: No thermal warning level has been recorded" is pmset's text for
 *   IOPMGetThermalWarningLevel() returning kIOReturnNotFound ("thermal warning level has not been
 *   published", IOPMLib.h). powerd itself (SystemLoad.c, SystemLoadCPUPowerHasChanged) treats
 *   not-found exactly like kIOPMThermalWarningLevelNormal, and treats an absent CPU power status
 *   as the OK value 100. We follow the OS: no published warning, no CPU limit below 100 → 0
 *   (nominal). Source fixtures: stats issue #749 (M1 Pro, three Notes) and node_exporter issue
 *   #2031 (Notes plus a `CPU Power notify` block with every limit at 100).
 * - A CPU_Speed_Limit or CPU_Scheduler_Limit below 100 means the OS is throttling, but pmset gives
 *   no pressure level (moderate/heavy/…) for it; inventing one would be a guess, so the level is
 *   unknown and the caller says why. The same for any line we do not recognise (e.g. a published
 *   warning level, whose exact text we have no real sample of).
 */

export interface CpuPowerStatus {
  schedulerLimitPercent: number | null;
  availableCpus: number | null;
  speedLimitPercent: number | null;
}

export interface PmsetTherm {
  noThermalWarningRecorded: boolean;
  noPerformanceWarningRecorded: boolean;
  noCpuPowerStatusRecorded: boolean;
  cpuPower: CpuPowerStatus | null;
  /** Non-empty lines that matched nothing above, trimmed. */
  unrecognized: string[];
}

const NOTE_THERMAL = /^Note: No thermal warning level has been recorded$/;
const NOTE_PERFORMANCE = /^Note: No performance warning level has been recorded$/;
const NOTE_CPU_POWER = /^Note: No CPU power status has been recorded$/;
const CPU_POWER_HEADER = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} CPU Power notify$/;
const CPU_POWER_FIELD = /^(CPU_Scheduler_Limit|CPU_Available_CPUs|CPU_Speed_Limit)\s*=\s*(\d+)$/;

const FIELD_KEYS = {
  CPU_Scheduler_Limit: 'schedulerLimitPercent',
  CPU_Available_CPUs: 'availableCpus',
  CPU_Speed_Limit: 'speedLimitPercent',
} as const;

export function parsePmsetTherm(text: string): PmsetTherm {
  const result: PmsetTherm = {
    noThermalWarningRecorded: false,
    noPerformanceWarningRecorded: false,
    noCpuPowerStatusRecorded: false,
    cpuPower: null,
    unrecognized: [],
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (NOTE_THERMAL.test(line)) result.noThermalWarningRecorded = true;
    else if (NOTE_PERFORMANCE.test(line)) result.noPerformanceWarningRecorded = true;
    else if (NOTE_CPU_POWER.test(line)) result.noCpuPowerStatusRecorded = true;
    else if (CPU_POWER_HEADER.test(line)) {
      result.cpuPower = { schedulerLimitPercent: null, availableCpus: null, speedLimitPercent: null };
    } else {
      const field = CPU_POWER_FIELD.exec(line);
      // A garbled run of digits is not a limit (it could be past 2^53, or Infinity).
      const value = Number(field?.[2]);
      if (field !== null && result.cpuPower !== null && Number.isSafeInteger(value)) {
        result.cpuPower[FIELD_KEYS[field[1] as keyof typeof FIELD_KEYS]] = value;
      } else {
        result.unrecognized.push(line);
      }
    }
  }
  return result;
}

export type PressureFromPmset = { level: number } | { level: null; why: string };

export function pmsetThermalPressureLevel(therm: PmsetTherm): PressureFromPmset {
  if (therm.unrecognized.length > 0) {
    return { level: null, why: `unrecognised pmset -g therm line: ${therm.unrecognized[0]}` };
  }
  if (!therm.noThermalWarningRecorded) {
    return { level: null, why: 'pmset -g therm did not say that no thermal warning level was recorded' };
  }
  const limits = [therm.cpuPower?.speedLimitPercent, therm.cpuPower?.schedulerLimitPercent];
  const throttled = limits.find((limit) => limit !== undefined && limit !== null && limit < 100);
  if (throttled !== undefined) {
    return {
      level: null,
      why: `CPU limited to ${throttled}% by the OS; pmset gives no pressure level for that`,
    };
  }
  return { level: 0 };
}
