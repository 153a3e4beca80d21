import type { StoredBatchEvent } from './ingest/routes.ts';

/**
 * One human line per stored batch, for the README demo (`logReadings: true`): what arrived, from
 * whom, and a few of its readings, so a newcomer sees real values of their machine flow through.
 */
export function formatStoredBatch(event: StoredBatchEvent, atMs: number): string {
  const time = new Date(atMs).toISOString().slice(11, 19);
  if (event.outcome.outcome !== 'stored') {
    return '';
  }
  const head = `${time} stored ${event.signal} batch #${event.outcome.batchId} from ${event.nodeId}`;
  if (event.signal === 'logs') {
    const names = event.request.resources.flatMap((r) =>
      r.events.map((e) => `${e.eventName ?? 'log'}${eventDetail(e.attributes)}`),
    );
    return `${head}: ${names.join(', ')}`;
  }
  const shown: string[] = [];
  let total = 0;
  for (const resource of event.request.resources) {
    for (const point of resource.points) {
      total++;
      if (shown.length < 8) {
        const label = LABEL_KEYS.flatMap((wanted) =>
          point.attributes.filter(([key]) => key === wanted).map(([, v]) => String(v)),
        ).join(' ');
        shown.push(`${point.metric}${label === '' ? '' : `[${label}]`}=${formatNumber(point.value)}`);
      }
    }
  }
  const more = total > shown.length ? ` … +${total - shown.length} more` : '';
  return `${head}: ${total} points: ${shown.join(' ')}${more}`;
}

// The attributes that tell a person which reading it is, in the order they read best.
const LABEL_KEYS = [
  'hw.name',
  'system.filesystem.mountpoint',
  'system.filesystem.state',
  'system.memory.state',
];

function formatNumber(value: number): string {
  if (Number.isInteger(value)) {
    return String(value);
  }
  return Math.abs(value) < 10 ? value.toFixed(3) : value.toFixed(1);
}

/** The one attribute that says what an event was about, in brackets; nothing for other events. */
function eventDetail(attributes: Record<string, unknown>): string {
  const a = (key: string) => (attributes[key] === undefined ? undefined : String(attributes[key]));
  if (a('agent.lifecycle.action')) return `(${a('agent.lifecycle.action')})`;
  if (a('check.id')) return `(${a('check.id')}=${a('observed') || '-'})`;
  if (a('auth.outcome')) return `(${a('auth.outcome')} ${a('auth.method') ?? ''} ${a('user.name') ?? '?'})`;
  if (a('perimeter.thermal.pressure.level')) return `(pressure ${a('perimeter.thermal.pressure.level')})`;
  return '';
}
