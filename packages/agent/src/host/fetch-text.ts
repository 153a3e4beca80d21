import { createHttpClient, HttpTimeoutError } from '@perimeter/schema/otlp';

/**
 * The only place the agent reads a local HTTP endpoint (a no-root reader such as `macmon serve`
 * that the operator runs as a launchd agent). Like runCommand, every way of not getting an answer
 * is an outcome, not an exception: a reader that is not running is the common case, not an error.
 * Bodies are capped so a wrong port that streams forever cannot grow the agent's memory.
 */
export type FetchResult =
  | { status: 'ok'; body: string }
  | { status: 'unreachable'; reason: string }
  | { status: 'http-error'; code: number }
  | { status: 'timeout'; afterMs: number };

export interface FetchTextOptions {
  timeoutMs?: number;
  maxBytes?: number;
}

export type FetchText = (url: string, options?: FetchTextOptions) => Promise<FetchResult>;

export const NO_HTTP: FetchText = async () => ({ status: 'unreachable', reason: 'no HTTP on this host' });

export function createFetchText(defaults: { timeoutMs: number } = { timeoutMs: 3_000 }): FetchText {
  const http = createHttpClient();
  return async (url, options = {}) => {
    const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
    try {
      const response = await http.request(url, {
        method: 'GET',
        timeoutMs,
        maxResponseBytes: options.maxBytes ?? 1024 * 1024,
      });
      if (response.status < 200 || response.status > 299)
        return { status: 'http-error', code: response.status };
      return { status: 'ok', body: response.body.toString('utf8') };
    } catch (error) {
      if (error instanceof HttpTimeoutError) return { status: 'timeout', afterMs: timeoutMs };
      const err = error as NodeJS.ErrnoException;
      return { status: 'unreachable', reason: err.code ?? err.message };
    }
  };
}
