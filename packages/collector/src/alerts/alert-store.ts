import type { AlertStore } from '../store/alert-rows.ts';
import type { StoreTables } from '../store/store-file.ts';

export type { AlertStore, HistoryRow, NotificationRecord } from '../store/alert-rows.ts';

/** The alert state, history and notifications the engine and the dispatcher keep in the store. */
export function createAlertStore(store: Pick<StoreTables, 'alerts'>): AlertStore {
  return store.alerts;
}
