import type { DriftCheck } from '../check.ts';
import { expectKind } from '../parse/raw.ts';
import { effectiveSshdOption, SSHD_CONFIG } from '../parse/sshd.ts';

/**
 * sshd hardening from the config files, readable without root (`sshd -T` / `sshd -G` need root
 * for the host keys). The same two checks exist per platform, with platform-prefixed ids.
 */
export function sshdChecks(prefix: 'linux' | 'macos', platform: 'linux' | 'darwin'): DriftCheck[] {
  const reads = {
    kind: 'files',
    paths: [SSHD_CONFIG],
    dirs: [{ path: '/etc/ssh/sshd_config.d', suffix: '.conf' }],
  } as const;
  return [
    {
      id: `${prefix}.sshd.permit-root-login`,
      title: 'sshd does not allow root login (PermitRootLogin no)',
      platform,
      reads,
      needsRoot: false,
      controls: { soc2: ['CC6.1', 'CC6.6'], iso27001: ['A.8.2', 'A.8.5', 'A.5.15'] },
      parse: (raw) => effectiveSshdOption(expectKind(raw, 'files').files, 'PermitRootLogin'),
      expect: { op: 'equals', value: 'no' },
    },
    {
      id: `${prefix}.sshd.password-authentication`,
      title: 'sshd does not accept passwords (PasswordAuthentication no)',
      platform,
      reads,
      needsRoot: false,
      controls: { soc2: ['CC6.1'], iso27001: ['A.8.5', 'A.5.17'] },
      parse: (raw) => effectiveSshdOption(expectKind(raw, 'files').files, 'PasswordAuthentication'),
      expect: { op: 'equals', value: 'no' },
    },
  ];
}
