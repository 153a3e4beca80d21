import type { Citation } from './types.ts';

/**
 * What each section answers, in SOC 2 TSC and ISO/IEC 27001:2022 Annex A ids. The ids are the
 * "Proposed" mapping of research/compliance-and-naming.md §3 (reasoned, not from a source; its rows
 * named in `basis`), which auditors accept with the rationale stated.
 */
export const SECTION_CITATIONS = {
  inventory: {
    soc2: ['CC6.1', 'CC7.2'],
    iso27001: ['8.1 User endpoint devices', '8.16 Monitoring activities', '8.15 Logging'],
    basis: 'rows "Security auditing" and "Alert: node down"',
  },
  access: {
    soc2: ['CC6.1', 'CC7.2', 'CC7.3'],
    iso27001: [
      '5.15 Access control',
      '8.5 Secure authentication',
      '8.15 Logging',
      '8.16 Monitoring activities',
    ],
    basis: 'rows "SSH off/restricted" and "Alert: auth-failure spike"',
  },
  credentials: {
    soc2: ['CC6.1', 'CC6.2', 'CC6.3'],
    iso27001: [
      '5.16 Identity management',
      '5.17 Authentication information',
      '5.18 Access rights',
      '8.2 Privileged access rights',
    ],
    basis: 'rows "Guest off", "Auto-login off" and "SSH off/restricted"',
  },
  changes: {
    soc2: ['CC7.1', 'CC8.1'],
    iso27001: ['8.9 Configuration management', '8.32 Change management', '8.16 Monitoring activities'],
    basis: 'row "Alert: config drift"',
  },
  incidents: {
    soc2: ['CC7.2', 'CC7.3', 'CC7.4', 'A1.2'],
    iso27001: [
      '8.16 Monitoring activities',
      '5.30 ICT readiness for business continuity',
      '8.14 Redundancy of information processing facilities',
    ],
    basis: 'rows "Alert: node down", "Alert: thermal limits" and "Alert: auth-failure spike"',
  },
  integrity: {
    soc2: ['CC7.2', 'CC7.3'],
    iso27001: ['8.15 Logging'],
    basis: 'row "Security auditing"',
  },
} as const satisfies Record<string, Citation & { basis: string }>;

export type SectionId = keyof typeof SECTION_CITATIONS;

export function citationLine(section: SectionId): string {
  const c = SECTION_CITATIONS[section];
  return `SOC 2: ${c.soc2.join(', ')} · ISO/IEC 27001:2022 Annex A: ${c.iso27001.join('; ')}`;
}
