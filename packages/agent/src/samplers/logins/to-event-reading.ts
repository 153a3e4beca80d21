import { EventNames } from '@perimeter/schema';
import type { EventReading } from '../types.ts';
import { type LoginEvent, loginEventAttributes } from './login-event.ts';

/**
 * A parsed login as the events the agent spools, one per attempt (a `message repeated 5 times` line
 * is five attempts, and the collector counts failures by events): failures at warn, so they stand
 * out in a timeline.
 */
export function loginEventReadings(event: LoginEvent): EventReading[] {
  return Array.from({ length: event.attempts ?? 1 }, () => loginEventReading(event));
}

/** One attempt's event. */
function loginEventReading(event: LoginEvent): EventReading {
  return {
    event: EventNames.authLogin,
    timeMs: event.timeMs,
    body: event.message,
    severity: event.outcome === 'failure' ? 'warn' : 'info',
    attributes: loginEventAttributes(event),
  };
}
