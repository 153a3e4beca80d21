import type { DriftCheck } from '../check.ts';
import { commonChecks } from './common.ts';
import { linuxChecks } from './linux.ts';
import { macosAccessChecks } from './macos-access.ts';
import { macosNetworkChecks } from './macos-network.ts';
import { macosSystemChecks } from './macos-system.ts';

/** The whole catalogue, in report order. Ids are unique (checked by a test). */
export const allDriftChecks: readonly DriftCheck[] = [
  ...macosNetworkChecks,
  ...macosSystemChecks,
  ...macosAccessChecks,
  ...linuxChecks,
  ...commonChecks,
];

export function checksForPlatform(checks: readonly DriftCheck[], platform: NodeJS.Platform): DriftCheck[] {
  return checks.filter((check) => check.platform === 'any' || check.platform === platform);
}
