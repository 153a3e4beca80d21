import { EventNames, MetricNames } from '@perimeter/schema';
import type { ProbeRow } from '../../capture/probe-catalogue.ts';
import { readable } from '../logins/probe-row.ts';
import type { AccessLogConfig } from './access-log-streams.ts';
import type { MetricsTarget } from './metrics-sampler.ts';

/**
 * The `probe` rows for inference: each configured access log (followed live, so a round cannot
 * show it) and whether the agent may read it; each metrics URL as configured (a round scrapes it).
 */
export function inferenceProbeRows(
  accessLogs: readonly AccessLogConfig[],
  metrics: readonly MetricsTarget[],
  canRead: (path: string) => boolean = readable,
): ProbeRow[] {
  const logs = accessLogs.map((config): ProbeRow => {
    const row = {
      sampler: 'inference',
      reading: EventNames.inferenceRequest,
      source: `${config.format} ${config.path}`,
    };
    return canRead(config.path)
      ? { ...row, status: 'available', reason: 'followed by offset' }
      : {
          ...row,
          status: 'needs root',
          reason:
            'not readable by this user: add it to the group that owns the log (adm for nginx on Debian)',
        };
  });
  const scrapes = metrics.map(
    (target): ProbeRow => ({
      sampler: 'inference',
      reading: MetricNames.inferenceServerUp,
      status: 'available',
      source: `${target.kind} ${target.url}`,
      reason: 'scraped each round; 0 when it does not answer',
    }),
  );
  return [...logs, ...scrapes];
}
