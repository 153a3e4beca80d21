// The OTLP client contract, shared by the agent's shipper and the collector's forward sinks
// (ARCHITECTURE.md "Ownership"): one retry classification, one Retry-After parser, one backoff,
// one partial-success reader, one node:http client. Imported as `@perimeter/schema/otlp`, apart
// from the schema's main entry, so what only reads names never loads an HTTP client.
export type { ExportOutcome, ExportRequest } from './export-request.ts';
export { postExport } from './export-request.ts';
export type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse, TlsOptions } from './http-client.ts';
export { createHttpClient, HttpTimeoutError } from './http-client.ts';
export type { PartialSuccess } from './partial-success.ts';
export { readPartialSuccess } from './partial-success.ts';
export { parseRetryAfterMs } from './retry-after.ts';
export type { BackoffPolicy, ExportProtocol, ExportVerdict } from './retry-policy.ts';
export { backoffDelayMs, classifyExportStatus } from './retry-policy.ts';
