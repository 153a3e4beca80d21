import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

/**
 * Prometheus remote write 1.0: a `prometheus.WriteRequest` { repeated TimeSeries timeseries = 1 },
 * TimeSeries { repeated Label labels = 1; repeated Sample samples = 2 }, Label { name = 1; value = 2 },
 * Sample { double value = 1; int64 timestamp = 2 } (prompb/types.proto, remote.proto), encoded and
 * then snappy block-compressed. snappyjs is pure JavaScript: no native build on any node.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});

const WriteRequest = root.lookupType('prometheus.WriteRequest');

export interface PromTimeSeries {
  /** Sorted by name, `__name__` included. */
  labels: Array<{ name: string; value: string }>;
  /** In timestamp order (ms). */
  samples: Array<{ value: number; timestamp: number }>;
}

const snappy = createRequire(import.meta.url)('snappyjs') as {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array): Uint8Array;
};

export function encodeWriteRequest(timeseries: PromTimeSeries[]): Uint8Array {
  return snappy.compress(WriteRequest.encode({ timeseries }).finish());
}

export function decodeWriteRequest(body: Uint8Array): PromTimeSeries[] {
  const decoded = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body)), { longs: Number }) as {
    timeseries?: PromTimeSeries[];
  };
  return decoded.timeseries ?? [];
}
