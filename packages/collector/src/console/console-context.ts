import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import type { AlertStore } from '../alerts/alert-store.ts';
import type { Rule } from '../alerts/rule-model.ts';
import type { ModelInventory } from '../derive/model-inventory.ts';
import type { ErrorLog } from '../http/errors.ts';
import type { ReplayReader } from '../replay/replay-worker.ts';
import type { Store } from '../store/store.ts';
import type { VerifiedToken } from '../tokens/token-store.ts';
import type { ConsoleAssets } from './assets.ts';
import type { FleetSource } from './fleet-data.ts';
import type { SessionStore } from './session-store.ts';

/** What the collector hands the console (http/app.ts); the optional ones are test seams. */
export interface ConsoleDeps {
  store: Store;
  verifyToken: (presented: string) => VerifiedToken | null;
  nowMs: () => number;
  log: ErrorLog;
  /** The collector's error handler, so console errors are answered and counted as the API's are. */
  onError?: ErrorHandler;
  /** The alert rules, for the thresholds drawn on temperature charts (none: sensor limits only). */
  rules?: () => readonly Rule[];
  /** The client address sign-in attempts are limited by (default: the socket's peer). */
  clientAddress?: (c: Context) => string;
  signInLimit?: { maxFailures?: number; windowMs?: number };
  /** `console.secureCookies`: the session cookie is Secure and `__Host-` even over plain HTTP (TLS proxy). */
  secureCookies?: boolean;
  silentAfterMs?: number;
  sessions?: SessionStore;
  assets?: ConsoleAssets;
  /** Reads a node's replay off the main thread (replay/replay-worker.ts). */
  replay: ReplayReader;
}

/** What every page is built from: the store's reads, the page shell's assets, and the session gates. */
export interface ConsoleContext {
  fleet: FleetSource;
  /** The fleet's models now (derive/model-inventory.ts, as GET /api/v1/models). */
  models: () => ModelInventory;
  alerts: AlertStore;
  assets: ConsoleAssets;
  nowMs: () => number;
  silentAfterMs: number | undefined;
  replay: ReplayReader;
  /** The alert rules, loaded on first use (a broken rules file leaves charts with sensor limits). */
  rules: () => readonly Rule[];
  /** The collector's read API, which the node page's JSONL download answers through. */
  api: { request(path: string): Response | Promise<Response> };
  /** Gate for an HTML page: no live session redirects to /sign-in. */
  requirePage: MiddlewareHandler;
  /** Gate for a JSON call: no live session answers 401. */
  requireJson: MiddlewareHandler;
}
