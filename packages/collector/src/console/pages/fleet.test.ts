import { describe, expect, it } from 'vitest';
import { blankRow, type FleetRow } from '../fleet-data.ts';
import { fleetRowView } from './fleet.ts';

const row = (overrides: Partial<FleetRow>): FleetRow => ({
  ...blankRow('mac-1'),
  status: 'up',
  ...overrides,
});

describe('the fleet row', () => {
  it('marks a node whose login source is blind instead of showing a clean 0 failed logins', () => {
    const cells = fleetRowView(row({ blindLoginSources: ['logins:unified-log'] })).cells;
    expect(cells).toContainEqual({ text: '0 · blind: logins:unified-log unreadable', sort: -1, cls: 'bad' });
    expect(fleetRowView(row({})).cells).toContainEqual({ text: '0', sort: 0, cls: '' });
  });
});
