/**
 * The Node flags the deployed agent runs with (deploy/launchd plist, deploy/systemd unit: the
 * deploy tests check they say the same, and bench/agent-overhead.ts measures the agent with them).
 * --no-opt keeps V8's optimizing compiler out: a round is a few ms of work, and the compiler's
 * code and its output cost ~7 MiB resident. A 1 MiB young generation (V8's default grows to
 * 16 MiB) takes ~5 MiB off the start-up peak; the agent allocates little, so the extra scavenges
 * cost nothing measurable. --expose-gc lets the agent run a full collection every 5 minutes
 * (packages/agent/src/telemetry/heap-trim.ts says why); without it RSS climbs ~12 MiB an hour
 * (bench/RESULTS.md).
 *
 * Alternatives measured 2026-12-05 with the AI sources on (agents side by side under the same load,
 * the bench/agent-overhead.ts --ai workload, 290 s each, before and after the agent's OTLP encoders
 * stopped spending its CPU in JavaScript string loops): --max-semi-space-size=2 or 4,
 * --single-threaded-gc, --v8-pool-size=0, --max-lazy and dropping --expose-gc all stayed within
 * the ±0.5 CPU s/hour spread of two identical agents; --max-semi-space-size=4 raised peak RSS by
 * 4 MB, --lite-mode took 2 MB off RSS but cost 0.6 s/hour more. The CPU was in the agent's own
 * work per batch, not in V8's settings, so the flags stay as they are.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--no-opt', '--max-semi-space-size=1', '--expose-gc'];

export { AGENT_BUNDLE, buildAgent } from '../../scripts/build-agent.ts';
