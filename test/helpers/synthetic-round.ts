/**
 * One synthetic sampling round as an OTLP metrics request object (the protobufjs/JSON shape):
 * `points` hw.temperature gauges of one node at one time, one series per sensor. The ingest and
 * forward benches and the latency fleet all send this shape, so their figures compare.
 */
const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

export function temperatureRound(options: {
  nodeId: string;
  timeMs: number;
  points: number;
  scope?: string;
  /** Also set host.name (= nodeId) on the resource, as a real agent does. */
  hostName?: boolean;
}) {
  const { nodeId, points } = options;
  const timeUnixNano = `${BigInt(Math.trunc(options.timeMs)) * 1_000_000n}`;
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            kv('perimeter.node.id', nodeId),
            ...(options.hostName ? [kv('host.name', nodeId)] : []),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: options.scope ?? 'bench' },
            metrics: [
              {
                name: 'hw.temperature',
                unit: 'Cel',
                gauge: {
                  dataPoints: Array.from({ length: points }, (_, i) => ({
                    timeUnixNano,
                    asDouble: 40 + (i % 50) + Math.random(),
                    attributes: [kv('hw.id', `sensor-${i}`), kv('hw.type', 'temperature')],
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}
