/**
 * Shared by the console's e2e tests and bench: OTLP/JSON batches a node sends with chosen resource
 * attributes (a hostile host name, a model and OS), a hot GPU sensor, and a fan and GPU load.
 */
const kv = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : { doubleValue: value },
});
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

export const HOSTILE_HOST_NAME = '<script>alert(1)</script><img src=x onerror="alert(2)">';

export function hardwareBatch(options: {
  nodeId: string;
  hostName: string;
  timeMs: number;
  gpuCelsius: number;
}): string {
  const { timeMs } = options;
  const gauge = (name: string, unit: string, value: number, attributes: ReturnType<typeof kv>[]) => ({
    name,
    unit,
    gauge: { dataPoints: [{ timeUnixNano: nanos(timeMs), asDouble: value, attributes }] },
  });
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: {
          attributes: [
            kv('perimeter.node.id', options.nodeId),
            kv('host.name', options.hostName),
            kv('host.model', 'Mac16,10'),
            kv('os.type', 'darwin'),
            kv('os.version', '15.6'),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'console-test' },
            metrics: [
              gauge('hw.temperature', 'Cel', options.gpuCelsius, [
                kv('hw.id', 'gpu0'),
                kv('hw.name', 'GPU die'),
                kv('hw.type', 'temperature'),
              ]),
              gauge('hw.fan.speed', 'rpm', 2400, [kv('hw.id', 'fan0'), kv('hw.name', 'fan0')]),
              gauge('hw.gpu.utilization', '1', 0.83, [kv('hw.id', 'gpu0'), kv('hw.name', 'GPU')]),
              gauge('hw.power', 'W', 41.5, [kv('hw.id', 'gpu'), kv('hw.name', 'gpu')]),
            ],
          },
        ],
      },
    ],
  });
}

export async function postMetrics(url: string, token: string, body: string): Promise<void> {
  const response = await fetch(`${url}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  if (!response.ok) {
    throw new Error(`metrics: ${response.status} ${await response.text()}`);
  }
}
