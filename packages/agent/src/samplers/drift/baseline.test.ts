import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureBaseline, parseDriftBaseline } from './baseline.ts';
import type { CheckOutcome } from './check.ts';
import { judge, normalizeExpectation } from './expectation.ts';

describe('drift baseline', () => {
  it('accepts the documented shape with shorthand expectations', () => {
    const baseline = parseDriftBaseline(
      [
        'version: 1',
        'checks:',
        '  macos.firewall.enabled: { expect: on }',
        '  macos.ssh.remote-login: { expect: "on", enabled: true }',
        '  linux.sshd.permit-root-login: { expect: { op: one-of, value: [no, prohibit-password] } }',
        'params:',
        '  minOsVersion: "26.0"',
        '  listeners: [{ port: 22, process: sshd }]',
        '  workspaceDirs: [{ path: /var/tmp/jobs, maxAge: 24h }]',
      ].join('\n'),
      'baseline.yaml',
    );
    expect(baseline.params.listeners).toEqual([{ port: 22, process: 'sshd' }]);
    expect(normalizeExpectation('>= 26.1')).toEqual({ op: 'version-at-least', value: '26.1' });
    expect(normalizeExpectation(['a.app'])).toEqual({ op: 'subset-of', value: ['a.app'] });
  });

  it.each([
    ['version: 2', 'baseline.yaml: version: '],
    [
      'version: 1\nchecks: { no.such.check: { expect: on } }',
      'baseline.yaml: checks.no.such.check: no such drift check',
    ],
    ['version: 1\nparams: { listeners: [{ port: 99999 }] }', 'baseline.yaml: params.listeners.0.port: '],
    [
      'version: 1\nparams: { workspaceDirs: [{ path: /tmp/x, maxAge: soon }] }',
      'baseline.yaml: params.workspaceDirs.0.maxAge: expected a duration',
    ],
    [
      'version: 1\nchecks: { agent.user: { expect: on, enabeld: false } }',
      'baseline.yaml: checks.agent.user: ',
    ],
    ['version: [1', 'baseline.yaml: not valid YAML'],
  ])('names the file and key path: %s', (text, message) => {
    expect(() => parseDriftBaseline(text, 'baseline.yaml')).toThrow(message);
  });

  it('captures observed values as expectations and params, with titles and controls as comments', () => {
    const outcomes: CheckOutcome[] = [
      { id: 'macos.firewall.enabled', status: 'fail', observed: 'off', expected: 'on' },
      {
        id: 'macos.os.version',
        status: 'skipped',
        observed: '26.6.2',
        expected: 'not configured',
        reason: 'x',
      },
      { id: 'macos.apps.allowed', status: 'skipped', observed: '["Safari.app"]', expected: 'not configured' },
      {
        id: 'macos.network.listeners',
        status: 'pass',
        observed: '["tcp 22 root sshd","udp 5353 _mdns ?"]',
        expected: '',
      },
      { id: 'macos.time.network', status: 'skipped', observed: null, expected: 'on', reason: 'needs root' },
    ];
    const text = captureBaseline(outcomes);
    expect(text).toContain(
      '# Application firewall is on [SOC2:CC6.6,SOC2:CC7.1,ISO27001:A.8.20,ISO27001:A.8.9]',
    );
    expect(text).toContain(
      '# macos.time.network: Network time is on (systemsetup) [SOC2:CC7.2,ISO27001:A.8.17]; not captured (skipped: needs root)',
    );
    const reloaded = parseDriftBaseline(text, 'captured.yaml');
    expect(reloaded.checks).toEqual({ 'macos.firewall.enabled': { expect: 'off' } });
    expect(reloaded.params).toEqual({
      minOsVersion: '26.6.2',
      allowedApps: ['Safari.app'],
      listeners: [
        { port: 22, proto: 'tcp', user: 'root', process: 'sshd' },
        { port: 5353, proto: 'udp', user: '_mdns' },
      ],
    });
    expect(parse(text)).toEqual(reloaded);
  });

  it('judges versions numerically and lists by glob', () => {
    expect(judge({ op: 'version-at-least', value: '26.9' }, '26.10')).toEqual({ pass: true });
    expect(judge({ op: 'version-at-least', value: '26.0' }, '15.7.1')).toEqual({ pass: false });
    expect(
      judge({ op: 'subset-of', value: ['Microsoft *.app'] }, '["Microsoft Word.app","Zoom.us.app"]'),
    ).toEqual({
      pass: false,
      why: 'not allowed: Zoom.us.app',
    });
    expect(judge({ op: 'empty' }, '[]')).toEqual({ pass: true });
  });
});
