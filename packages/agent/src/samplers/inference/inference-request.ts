import { AttributeNames, EventNames } from '@perimeter/schema';
import type { AttributeValue, EventReading } from '../types.ts';

/**
 * One request to an inference endpoint, as any access-log format yields it. Never the prompt or
 * the completion, never a token or key: `user` is the name the proxy resolved (scrubbed again
 * here), `route` the path without its query.
 */
export interface InferenceRequest {
  timeMs: number;
  user: string | null;
  client: string;
  method: string;
  route: string;
  status: number;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  requestBytes?: number;
  responseBytes?: number;
  durationS?: number;
  /** For logs whose timestamps carry no zone (Ollama's [GIN] lines): the zone they were read in. */
  timeZoneAssumed?: string;
}

export function inferenceRequestEvent(request: InferenceRequest): EventReading {
  const attributes: Record<string, AttributeValue> = {
    [AttributeNames.userName]: request.user ?? '',
    [AttributeNames.clientAddress]: request.client,
    [AttributeNames.httpRequestMethod]: request.method,
    [AttributeNames.httpRoute]: request.route,
    [AttributeNames.httpResponseStatusCode]: request.status,
  };
  const optional: [string, AttributeValue | undefined][] = [
    [AttributeNames.genAiRequestModel, request.model],
    [AttributeNames.genAiInputTokens, request.inputTokens],
    [AttributeNames.genAiOutputTokens, request.outputTokens],
    [AttributeNames.httpRequestBodySize, request.requestBytes],
    [AttributeNames.httpResponseBodySize, request.responseBytes],
    [AttributeNames.httpServerRequestDuration, request.durationS],
    [AttributeNames.logTimeZoneAssumed, request.timeZoneAssumed],
  ];
  for (const [name, value] of optional) if (value !== undefined) attributes[name] = value;
  const who = request.user ?? 'anonymous';
  return {
    event: EventNames.inferenceRequest,
    timeMs: request.timeMs,
    body: `${request.method} ${request.route} ${request.status} for ${who} from ${request.client || 'unknown'}`,
    severity:
      request.status === 401 || request.status === 403 ? 'warn' : request.status >= 500 ? 'error' : 'info',
    attributes,
  };
}
