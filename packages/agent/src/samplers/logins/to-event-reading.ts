import { EventNames } from '@perimeter/schema';
import type { EventReading } from '../types.ts';
import { type LoginEvent, loginEventAttributes } from './login-event.ts';

/** A parsed login as the event the agent spools: failures at warn, so they stand out in a timeline. */
export function loginEventReading(event: LoginEvent): EventReading {
  return {
    event: EventNames.authLogin,
    timeMs: event.timeMs,
    body: event.message,
    severity: event.outcome === 'failure' ? 'warn' : 'info',
    attributes: loginEventAttributes(event),
  };
}
