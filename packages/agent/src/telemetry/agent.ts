import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { AttributeNames, EventNames, LifecycleActions } from '@perimeter/schema';
import type { EventReading } from '../samplers/types.ts';
import { createShipper, defaultBackoffPolicy } from '../ship/shipper.ts';
import { openSpool } from '../spool/spool.ts';
import {
  type Agent,
  type AgentDeps,
  type AgentSummary,
  DEFAULT_SAMPLER_TIMEOUT_MS,
  type TickResult,
} from './agent-types.ts';
import { createHeapTrimmer } from './heap-trim.ts';
import { readHostIdentity } from './host-identity.ts';
import { type AgentEvent, createAgentEvents } from './logger.ts';
import { countDataPoints, createAgentMeter } from './meter.ts';
import { createOverflowReporter, describeOverflow } from './overflow.ts';
import { createAgentResource } from './resource.ts';
import { createSampleRunner } from './sample-round.ts';
import { agentSelfReadings } from './self-readings.ts';
import { createSourceHealthTracker, type SourceHealthEvent } from './source-health-tracker.ts';
import { createSpoolMetricExporter, exportMetrics } from './spool-exporters.ts';
import { createTickSchedule } from './tick-schedule.ts';

/**
 * The agent's durable path, assembled: samplers → OTel SDK → spool → shipper → collector.
 * Sampling and shipping are independent loops joined only by the spool, so a collector outage
 * never stalls sampling and a slow sampler never stalls delivery. Everything from the outside
 * world (clock, sleep, random, commands, files, samplers) is injected; main.ts builds the real ones.
 * Stop order matters: sampling stops, the stop event is committed, the shipper gets a short grace
 * period to drain, and only then is the spool closed, so nothing is written to a closed file.
 */
export async function createAgent(deps: AgentDeps): Promise<Agent> {
  const { config, clock, log } = deps;
  const overflow = createOverflowReporter(log);
  const spool = openSpool({
    path: join(config.dataDir, 'spool.db'),
    maxBytes: config.spool.maxBytes,
    clock,
    onOverflow: overflow.report,
  });
  try {
    deps.onSpoolOpen?.(spool);
    const identity = await readHostIdentity({
      platform: deps.host.platform,
      fs: deps.fs,
      runCommand: deps.runCommand,
    });
    const resource = createAgentResource({
      host: deps.host,
      identity,
      nodeId: deps.nodeId,
      streamId: spool.streamId,
      serviceVersion: deps.serviceVersion,
    });
    const runner = createSampleRunner({
      samplers: deps.samplers,
      clock,
      sleep: deps.sleep,
      log,
      timeoutMs: deps.samplerTimeoutMs ?? DEFAULT_SAMPLER_TIMEOUT_MS,
    });
    const health = createSourceHealthTracker();
    const meter = createAgentMeter({ resource, serviceVersion: deps.serviceVersion });
    const events = createAgentEvents({ resource, spool, clock, log, serviceVersion: deps.serviceVersion });
    overflow.attach((report) =>
      events.emitEvent(
        EventNames.agentLifecycle,
        {
          [AttributeNames.lifecycleAction]: LifecycleActions.spoolOverflow,
          [AttributeNames.droppedBatches]: report.droppedBatches,
          [AttributeNames.lifecycleDetail]: describeOverflow(report),
        },
        'spool over its byte cap: oldest batches dropped',
        { severity: 'warn' },
      ),
    );
    const metricExporter = createSpoolMetricExporter(spool, log);
    const shipper = createShipper({
      spool,
      collectorUrl: config.collector,
      token: config.token,
      gzip: config.ship.gzip,
      tls: config.ship.tls,
      timeoutMs: config.ship.timeout,
      backoff: {
        ...defaultBackoffPolicy,
        initialMs: config.ship.initialBackoff,
        maxMs: config.ship.maxBackoff,
        refusedMaxMs: config.ship.maxRefusedBackoff,
      },
      clock,
      sleep: deps.sleep,
      random: deps.random,
      log,
      userAgent: `perimeter-agent/${deps.serviceVersion}`,
    });
    const lifecycle = (action: string, detail: string) =>
      events.emitEvent(
        EventNames.agentLifecycle,
        { [AttributeNames.lifecycleAction]: action, [AttributeNames.lifecycleDetail]: detail },
        `perimeter-agent ${action}`,
      );

    let ticks = 0;
    // A round, top to bottom: sample → record (OTel SDK, with the agent's readings about itself) → spool.
    const tick = async (): Promise<TickResult> => {
      const round = await runner.run();
      const { metrics, errors } = await meter.record([
        ...round.readings,
        ...agentSelfReadings(round, spool.stats(), shipper.stats()),
        ...health.readings(),
      ]);
      for (const error of errors) {
        log.warn({ err: String(error) }, 'metric collection reported an error');
      }
      ticks += 1;
      const points = countDataPoints(metrics);
      let seq: number | undefined;
      if (points > 0 && (await exportMetrics(metricExporter, metrics)).code === ExportResultCode.SUCCESS) {
        seq = metricExporter.lastSeq();
      }
      if (round.events.length > 0) {
        try {
          events.emitBatch(round.events.map(toAgentEvent));
        } catch (error) {
          log.error(
            { err: (error as Error).message, events: round.events.length },
            'could not spool the round’s events',
          );
        }
      }
      spool.maintain();
      log.debug({ seq, points, events: round.events.length }, 'tick');
      return {
        ...(seq === undefined ? {} : { seq }),
        points,
        events: round.events.length,
        outcomes: round.outcomes,
      };
    };

    const loopStop = new AbortController();
    const shipStop = new AbortController();
    let tickLoop: Promise<void> | undefined;
    let shipLoop: Promise<void> | undefined;
    let stopped: Promise<AgentSummary> | undefined;
    const summary = (): AgentSummary => ({
      spool: spool.stats(),
      shipper: shipper.stats(),
      ticks,
      samplerFailures: runner.failures(),
    });

    // One round at a time, on the grid tick-schedule.ts keeps.
    const runTicks = async () => {
      const schedule = createTickSchedule(clock.nowMs(), config.interval);
      const heap = createHeapTrimmer({ nowMs: () => clock.nowMs(), everyMs: 300_000, gc: deps.gc });
      while (!loopStop.signal.aborted) {
        try {
          await tick();
        } catch (error) {
          log.error({ err: (error as Error).message }, 'tick failed');
        }
        heap.afterRound();
        const { sleepMs, skipped } = schedule.afterRound(clock.nowMs());
        if (skipped > 0) {
          log.warn(
            { skipped, intervalMs: config.interval },
            'sampling round overran its interval; skipped to the next slot',
          );
        }
        await deps.sleep(sleepMs, loopStop.signal);
      }
    };

    const emitHealth = (event: SourceHealthEvent | null) => {
      if (event === null) return;
      try {
        events.emitEvent(EventNames.agentLifecycle, event.attributes, event.body, {
          severity: event.severity,
        });
      } catch (error) {
        log.error({ err: (error as Error).message }, 'could not spool a source health event');
      }
    };
    const streams = deps.eventStreams ?? [];
    const startStreams = () => {
      for (const stream of streams) {
        stream.start({
          deliver: (found, cursor) => {
            events.emitBatch(found.map(toAgentEvent), [{ name: stream.name, value: cursor }]);
          },
          advance: (cursor) => spool.writeCursor(stream.name, cursor),
          readCursor: () => spool.readCursor(stream.name),
          reportHealth: (state) => {
            if (state.up) log.info({ source: stream.name, detail: state.detail }, 'source readable');
            else log.warn({ source: stream.name, ...state }, 'source blind');
            emitHealth(health.report(stream.name, state));
          },
          reportGap: (gap) => {
            log.warn({ source: stream.name, ...gap }, 'source gap recorded');
            emitHealth(health.gap(stream.name, gap));
          },
        });
      }
    };

    const shutdown = async (): Promise<AgentSummary> => {
      loopStop.abort();
      await Promise.all(streams.map((stream) => stream.stop()));
      await tickLoop;
      if (tickLoop) {
        lifecycle(LifecycleActions.stop, `after ${ticks} ticks`);
        const grace = new AbortController();
        await Promise.race([shipper.whenIdle(), deps.sleep(deps.drainGraceMs ?? 2000, grace.signal)]);
        grace.abort();
      }
      shipStop.abort();
      await shipLoop;
      const result = summary();
      await meter.shutdown();
      await events.shutdown();
      spool.close();
      return result;
    };

    return {
      streamId: spool.streamId,
      spool,
      shipper,
      tick,
      start() {
        if (tickLoop) throw new Error('agent already started');
        lifecycle(LifecycleActions.start, `perimeter-agent ${deps.serviceVersion} node ${deps.nodeId}`);
        shipLoop = shipper.run(shipStop.signal);
        startStreams();
        tickLoop = runTicks();
      },
      stop() {
        stopped ??= shutdown();
        return stopped;
      },
    };
  } catch (error) {
    spool.close();
    throw error;
  }
}

function toAgentEvent(event: EventReading): AgentEvent {
  return {
    name: event.event,
    attributes: event.attributes,
    body: event.body,
    timeMs: event.timeMs,
    severity: event.severity ?? 'info',
  };
}
