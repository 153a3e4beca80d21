import { describe, expect, it } from 'vitest';
import type { FleetRow } from '../fleet-data.ts';
import { fleetRowView } from './fleet.ts';

const row = (overrides: Partial<FleetRow>): FleetRow => ({
  nodeId: 'mac-1',
  hostName: null,
  status: 'up',
  lastSeenMs: 0,
  model: null,
  os: null,
  hottest: null,
  fanRpm: null,
  gpuUtilization: null,
  failedLoginsLastHour: 0,
  blindLoginSources: [],
  driftFailing: 0,
  firingAlerts: [],
  ...overrides,
});

describe('the fleet row', () => {
  it('marks a node whose login source is blind instead of showing a clean 0 failed logins', () => {
    const cells = fleetRowView(row({ blindLoginSources: ['logins:unified-log'] })).cells;
    expect(cells).toContainEqual({ text: '0 · blind: logins:unified-log unreadable', sort: -1, cls: 'bad' });
    expect(fleetRowView(row({})).cells).toContainEqual({ text: '0', sort: 0, cls: '' });
  });
});
