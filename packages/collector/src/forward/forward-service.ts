import type { CollectorConfig } from '@perimeter/schema';
import type { Store } from '../store/store.ts';
import { createFileSink } from './file-sink.ts';
import type { ForwardMetrics } from './forward-metrics.ts';
import { createForwarder, type Forwarder } from './forwarder.ts';
import { createOtlpSink } from './otlp-sink.ts';
import { createQuota } from './quota.ts';
import { createRemoteWriteSink } from './remote-write-sink.ts';
import type { Sink } from './types.ts';

/**
 * The forward stage as serve runs it: one forwarder per configured sink, and the quota check on a
 * timer. Nothing here can stop the process: a failing sink retries, a failing quota check logs.
 */
export interface ForwardService {
  wake(): void;
  enforceQuota(): void;
  stop(): Promise<void>;
}

export interface ForwardServiceDeps {
  config: CollectorConfig;
  store: Store;
  metrics: ForwardMetrics;
  log: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
  };
  nowMs: () => number;
  random?: () => number;
}

export function sinkNames(config: CollectorConfig): string[] {
  return config.forward.map((sink, index) => sink.name ?? `${sink.type}-${index}`);
}

export function createSink(
  name: string,
  sink: CollectorConfig['forward'][number],
  store: Store,
  nowMs: () => number,
): Sink {
  switch (sink.type) {
    case 'otlp':
      return createOtlpSink(name, sink, nowMs);
    case 'file':
      return createFileSink(name, sink, nowMs);
    case 'prometheus-remote-write':
      return createRemoteWriteSink(name, sink, { samples: store.samples, series: store.series, nowMs });
  }
}

export function startForwardService(deps: ForwardServiceDeps): ForwardService {
  const { config, store, metrics, log, nowMs } = deps;
  const names = sinkNames(config);
  const forwarders: Forwarder[] = config.forward.map((sinkConfig, index) => {
    const name = names[index] as string;
    return createForwarder({
      store: store.forward,
      sink: createSink(name, sinkConfig, store, nowMs),
      config: sinkConfig,
      events: metrics,
      log,
      nowMs,
      random: deps.random ?? Math.random,
    });
  });
  for (const forwarder of forwarders) {
    forwarder.start();
  }
  if (forwarders.length > 0) {
    log.info({ sinks: names }, 'forwarding');
  }
  const quota = createQuota(
    store,
    config.dataDir,
    {
      retentionMs: config.storage.retention,
      maxBytes: config.storage.maxBytes,
      minFreeBytes: config.storage.minFreeBytes,
    },
    (sink, batches) => {
      metrics.dropped(sink, batches);
      log.error({ sink, batches }, 'hard quota: dropped unforwarded batches');
    },
  );
  const enforceQuota = () => {
    try {
      const result = quota.enforce(names, nowMs());
      metrics.pruned(result.pruned + result.dropped);
      metrics.setQuotaExceeded(result.overQuota || result.dropped > 0);
    } catch (error) {
      log.error({ err: error }, 'quota check failed; will try again');
    }
  };
  const timer = setInterval(enforceQuota, config.storage.checkInterval);
  timer.unref();
  return {
    wake() {
      for (const forwarder of forwarders) {
        forwarder.wake();
      }
    },
    enforceQuota,
    async stop() {
      clearInterval(timer);
      await Promise.all(forwarders.map((forwarder) => forwarder.stop()));
    },
  };
}
