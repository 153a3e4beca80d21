import { describe, expect, it } from 'vitest';
import { readPartialSuccess } from './partial-success.ts';

/** ExportMetricsServiceResponse{partial_success{rejected_data_points: 3, error_message: "NaN"}}, by hand. */
const PROTOBUF = Uint8Array.from([0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 0x4e, 0x61, 0x4e]);

describe('readPartialSuccess', () => {
  it('reads the rejected count and message from a protobuf answer (metrics and logs share the layout)', () => {
    expect(readPartialSuccess('application/x-protobuf', PROTOBUF)).toEqual({ rejected: 3, message: 'NaN' });
  });

  it('reads OTLP/JSON, where int64 is a decimal string', () => {
    const body = new TextEncoder().encode(
      JSON.stringify({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'too old' } }),
    );
    expect(readPartialSuccess('application/json; charset=utf-8', body)).toEqual({
      rejected: 2,
      message: 'too old',
    });
  });

  it('is undefined for an empty body, an empty partial_success, and an unreadable body', () => {
    expect(readPartialSuccess('application/x-protobuf', new Uint8Array())).toBeUndefined();
    expect(readPartialSuccess('application/x-protobuf', Uint8Array.from([0x0a, 0x00]))).toBeUndefined();
    expect(
      readPartialSuccess('application/json', new TextEncoder().encode('{"partialSuccess":{}}')),
    ).toBeUndefined();
    expect(readPartialSuccess('application/x-protobuf', Uint8Array.from([0x0a, 0x09, 0x08]))).toBeUndefined();
    expect(readPartialSuccess('application/json', new TextEncoder().encode('not json'))).toBeUndefined();
  });
});
