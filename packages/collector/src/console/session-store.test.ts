import { describe, expect, it } from 'vitest';
import { createSessionStore, SESSION_IDLE_MS, SESSION_MAX_AGE_MS } from './session-store.ts';

const reader = { id: '0123456789abcdef', nodeId: 'auditor', role: 'reader' as const };

describe('console session store', () => {
  it('hands out a random 256-bit id that carries nothing of the token, and finds the session by it', () => {
    const clock = { now: 1_000 };
    const sessions = createSessionStore({ nowMs: () => clock.now });
    const session = sessions.create(reader);
    expect(Buffer.from(session.id, 'base64url')).toHaveLength(32);
    expect(session.id).not.toContain(reader.id);
    expect(sessions.create(reader).id).not.toBe(session.id);
    expect(sessions.get(session.id)).toMatchObject({
      tokenId: reader.id,
      subject: 'auditor',
      role: 'reader',
    });
    expect(sessions.get('no-such-id')).toBeUndefined();
  });

  it('ends a session left idle too long, and keeps one in use alive until its maximum age', () => {
    const clock = { now: 0 };
    const sessions = createSessionStore({ nowMs: () => clock.now });
    const idle = sessions.create(reader);
    const used = sessions.create(reader);
    for (let t = 0; t <= SESSION_MAX_AGE_MS; t += SESSION_IDLE_MS / 2) {
      clock.now = t;
      expect(sessions.get(used.id)).toBeDefined();
    }
    expect(sessions.get(idle.id)).toBeUndefined();
    clock.now = SESSION_MAX_AGE_MS + 1;
    expect(sessions.get(used.id)).toBeUndefined();
    expect(sessions.size()).toBe(0);
  });

  it('drops the oldest sessions past its bound, and forgets a deleted one', () => {
    const clock = { now: 0 };
    const sessions = createSessionStore({ nowMs: () => clock.now, maxSessions: 3 });
    const ids = [1, 2, 3, 4].map(() => {
      clock.now += 1;
      return sessions.create(reader).id;
    });
    expect(sessions.size()).toBe(3);
    expect(sessions.get(ids[0] as string)).toBeUndefined();
    expect(sessions.get(ids[3] as string)).toBeDefined();
    sessions.delete(ids[3] as string);
    expect(sessions.get(ids[3] as string)).toBeUndefined();
    expect(sessions.size()).toBe(2);
  });
});
