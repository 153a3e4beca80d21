/** Time as the agent sees it; injected so tests can jump it (clock skew) without stubbing Date. */
export interface Clock {
  nowMs(): number;
}

export interface Sleeper {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
