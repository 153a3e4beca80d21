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
  return async (url, options = {}) => {
    const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(url, { signal: deadline, redirect: 'error' });
      if (!response.ok) {
        await response.body?.cancel();
        return { status: 'http-error', code: response.status };
      }
      return { status: 'ok', body: await readCapped(response, maxBytes) };
    } catch (error) {
      if (deadline.aborted) return { status: 'timeout', afterMs: timeoutMs };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { status: 'unreachable', reason: cause?.code ?? cause?.message ?? (error as Error).message };
    }
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
