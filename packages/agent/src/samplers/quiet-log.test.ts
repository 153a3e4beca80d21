import { describe, expect, it } from 'vitest';
import { createRecordingLogger } from '../test-support/context.ts';
import { createQuietLogger } from './quiet-log.ts';

describe('createQuietLogger', () => {
  it('warns once for a repeated warning and writes the repeats at debug, counting them', () => {
    const inner = createRecordingLogger();
    const log = createQuietLogger(inner);
    for (let i = 0; i < 3; i++) {
      log.warn({ source: 'ioreg', err: 'exit 1' }, 'source failed');
    }
    expect(inner.entries).toEqual([
      { level: 'warn', obj: { source: 'ioreg', err: 'exit 1' }, msg: 'source failed' },
      { level: 'debug', obj: { source: 'ioreg', err: 'exit 1', repeats: 1 }, msg: 'source failed' },
      { level: 'debug', obj: { source: 'ioreg', err: 'exit 1', repeats: 2 }, msg: 'source failed' },
    ]);
  });

  it('warns again when the message or any binding changes', () => {
    const inner = createRecordingLogger();
    const log = createQuietLogger(inner);
    log.warn({ err: 'exit 1' }, 'source failed');
    log.warn({ err: 'exit 2' }, 'source failed');
    log.warn({ err: 'exit 2' }, 'source timed out');
    log.warn({ err: 'exit 2' }, 'source timed out');
    expect(inner.entries.map((e) => e.level)).toEqual(['warn', 'warn', 'warn', 'debug']);
  });

  it('stays quiet for a sampler that alternates between two warnings every round', () => {
    const inner = createRecordingLogger();
    const log = createQuietLogger(inner);
    for (let round = 0; round < 5; round++) {
      log.warn({ vendor: 'nvidia' }, 'GPU reader failed');
      log.warn({ vendor: 'amdgpu' }, 'GPU reader failed');
    }
    expect(inner.entries.filter((e) => e.level === 'warn')).toHaveLength(2);
    expect(inner.entries.filter((e) => e.level === 'debug')).toHaveLength(8);
  });

  it('forgets the oldest warning past `remember`, and everything on reset()', () => {
    const inner = createRecordingLogger();
    const log = createQuietLogger(inner, { remember: 2 });
    log.warn({ n: 1 }, 'a');
    log.warn({ n: 2 }, 'a');
    log.warn({ n: 3 }, 'a'); // forgets n=1
    log.warn({ n: 1 }, 'a');
    expect(inner.entries.map((e) => e.level)).toEqual(['warn', 'warn', 'warn', 'warn']);
    log.warn({ n: 1 }, 'a');
    log.reset();
    log.warn({ n: 1 }, 'a');
    expect(inner.entries.map((e) => e.level).slice(4)).toEqual(['debug', 'warn']);
  });

  it('passes debug, info and error through, and always writes a warning it cannot serialise', () => {
    const inner = createRecordingLogger();
    const log = createQuietLogger(inner);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (let i = 0; i < 2; i++) {
      log.debug({ i }, 'd');
      log.info({}, 'i');
      log.error({}, 'e');
      log.warn(cyclic, 'cyclic');
    }
    expect(inner.entries.map((e) => e.level)).toEqual([
      'debug',
      'info',
      'error',
      'warn',
      'debug',
      'info',
      'error',
      'warn',
    ]);
  });
});
