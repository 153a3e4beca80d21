import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { agentConfigSchema, agentFlagKeys, loadConfig } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { type PlistDict, parsePlist } from '../../packages/agent/src/samplers/macos/plist-parse.ts';
import { AGENT_NODE_FLAGS } from '../helpers/agent-build.ts';

/**
 * deploy/launchd/com.perimeter.agent.plist is well-formed (the agent's own plist reader, which
 * throws on any unbalanced or unknown element) and says what install.sh and the agent expect: the
 * non-root _perimeter user, KeepAlive with a throttle, logs and data under the paths install.sh
 * creates, and the config install.sh writes. `plutil -lint` is the full check on a Mac.
 */

const DEPLOY = resolve(import.meta.dirname, '../../deploy');
const plistText = readFileSync(join(DEPLOY, 'launchd/com.perimeter.agent.plist'), 'utf8');
const installText = readFileSync(join(DEPLOY, 'macos/install.sh'), 'utf8');
const plist = parsePlist(plistText) as PlistDict;

/** A `NAME=$DEST/...` assignment in install.sh, without the $DEST prefix. */
function installPath(name: string): string {
  const match = new RegExp(`^${name}=\\$DEST(\\S+)$`, 'm').exec(installText);
  expect(match, name).not.toBeNull();
  return (match?.[1] ?? '').replace('$LABEL', 'com.perimeter.agent');
}

describe('deploy/launchd/com.perimeter.agent.plist', () => {
  it('is one well-formed plist dict with the Apple DTD', () => {
    expect(plistText).toContain('<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"');
    expect(typeof plist).toBe('object');
    expect(Array.isArray(plist)).toBe(false);
  });

  it('runs as the dedicated _perimeter user and group, never root', () => {
    expect(plist['UserName']).toBe('_perimeter');
    expect(plist['GroupName']).toBe('_perimeter');
    expect(['root', 'wheel', 'admin', '0']).not.toContain(plist['UserName']);
    expect(['root', 'wheel', 'admin', '0']).not.toContain(plist['GroupName']);
    expect(installText).toMatch(/^AGENT_USER=_perimeter$/m);
  });

  it('keeps the agent alive, throttled, at background priority, started at load', () => {
    expect(plist).toMatchObject({
      Label: 'com.perimeter.agent',
      RunAtLoad: true,
      KeepAlive: true,
      ProcessType: 'Background',
    });
    expect(plist['ThrottleInterval']).toBeGreaterThanOrEqual(10);
    expect(plist['Nice']).toBeGreaterThan(0);
    expect(plist['ExitTimeOut']).toBeGreaterThanOrEqual(10);
    // 63 decimal is 0077: files the agent creates are its own.
    expect(plist['Umask']).toBe(0o077);
  });

  it('runs the bundled `perimeter-agent run` with the installed config and data dir', () => {
    expect(plist['ProgramArguments']).toEqual([
      '/usr/local/lib/perimeter/node/bin/node',
      ...AGENT_NODE_FLAGS,
      '/usr/local/lib/perimeter/app/packages/agent/dist/perimeter-agent.js',
      'run',
      '--config',
      installPath('CONFIG_DIR').concat('/agent.yaml'),
      '--data-dir',
      installPath('DATA_DIR'),
    ]);
    expect(`/usr/local/lib/perimeter/node/bin/node`).toBe(installPath('NODE_BIN'));
    // install.sh refuses to load the plist until the file the plist starts is there.
    expect(plist['ProgramArguments']).toContain(installPath('AGENT_CLI'));
    expect(plist['WorkingDirectory']).toBe(installPath('DATA_DIR'));
  });

  it('logs into the directory install.sh creates for _perimeter', () => {
    const logDir = installPath('LOG_DIR');
    expect(logDir).toBe('/usr/local/var/log/perimeter');
    expect(plist['StandardOutPath']).toBe(`${logDir}/agent.out.log`);
    expect(plist['StandardErrorPath']).toBe(`${logDir}/agent.err.log`);
  });

  it('puts no secret in the world-readable plist: no token variable, system PATH first', () => {
    const env = plist['EnvironmentVariables'] as PlistDict;
    expect(Object.keys(env).filter((key) => /TOKEN|SECRET|PASSWORD/i.test(key))).toEqual([]);
    expect(String(env['PATH']).split(':').slice(0, 4)).toEqual(['/usr/bin', '/bin', '/usr/sbin', '/sbin']);
    expect(installPath('PLIST_DST')).toBe('/Library/LaunchDaemons/com.perimeter.agent.plist');
  });
});

describe('deploy/macos/agent.yaml', () => {
  const file = join(DEPLOY, 'macos/agent.yaml');

  it('is valid for the agent schema, keeps powermetrics off, and holds the token placeholder', () => {
    const config = loadConfig(agentConfigSchema, agentFlagKeys, { file, env: {} });
    expect(config.hardware.powermetricsViaSudo).toBe(false);
    expect(config.token).toBe('REPLACE_WITH_NODE_TOKEN');
    expect(config.collector).toMatch(/^https:\/\//);
    expect(config.ship.tls).toEqual({ ca: '/usr/local/etc/perimeter/tls/ca.pem' });
    expect(installText).toMatch(/^TOKEN_PLACEHOLDER=REPLACE_WITH_NODE_TOKEN$/m);
  });
});
