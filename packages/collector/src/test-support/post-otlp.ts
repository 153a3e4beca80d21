import { PerimeterHeaders } from '@perimeter/schema';

/**
 * POSTs an OTLP/JSON body to a collector's /v1/{signal} as a node does: its bearer token and,
 * when given, the stream and seq headers that make a re-sent batch a duplicate. The one place
 * tests and helpers (loopback tests, dashboard feed, upstream process, replay scenario) send it.
 */
export async function postOtlpJson(
  url: string,
  signal: 'metrics' | 'logs',
  token: string,
  body: string,
  sequence?: { stream: string; seq: number },
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  };
  if (sequence) {
    headers[PerimeterHeaders.stream] = sequence.stream;
    headers[PerimeterHeaders.seq] = String(sequence.seq);
  }
  return fetch(`${url}/v1/${signal}`, { method: 'POST', headers, body });
}
