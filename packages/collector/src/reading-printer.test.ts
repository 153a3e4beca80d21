import { describe, expect, it } from 'vitest';
import type { DecodedEvent } from './otlp/types.ts';
import { formatStoredBatch } from './reading-printer.ts';

const event = (eventName: string, attributes: DecodedEvent['attributes']): DecodedEvent => ({
  timeMs: 0,
  observedMs: null,
  eventName,
  severity: null,
  body: null,
  attributes,
});

describe('the demo’s line per stored batch', () => {
  it('says what each event was about: lifecycle action, drift check and value, login, pressure', () => {
    const line = formatStoredBatch(
      {
        nodeId: 'vm',
        signal: 'logs',
        outcome: { outcome: 'stored', batchId: 7, points: 0, events: 4, gap: null } as never,
        newestPointTimeMs: null,
        request: {
          resources: [
            {
              attributes: {},
              points: [],
              events: [
                event('agent.lifecycle', { 'agent.lifecycle.action': 'start' }),
                event('config.drift', { 'check.id': 'linux.disk.encrypted', observed: 'off' }),
                event('auth.login', {
                  'auth.outcome': 'failure',
                  'auth.method': 'ssh',
                  'user.name': 'admin',
                }),
                event('thermal.state', { 'perimeter.thermal.pressure.level': 2 }),
              ],
            },
          ],
          rejectedItems: 0,
          rejectionMessages: [],
        },
      },
      Date.UTC(2026, 10, 23, 9, 24, 36),
    );
    expect(line).toBe(
      '09:24:36 stored logs batch #7 from vm: agent.lifecycle(start), config.drift(linux.disk.encrypted=off), auth.login(failure ssh admin), thermal.state(pressure 2)',
    );
  });
});
