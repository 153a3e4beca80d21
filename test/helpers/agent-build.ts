/**
 * The Node flags the deployed agent runs with (deploy/launchd plist, deploy/systemd unit: the
 * deploy tests check they say the same, and bench/agent-overhead.ts measures the agent with them).
 * --no-opt keeps V8's optimizing compiler out: a round is a few ms of work, and the compiler's
 * code and its output cost ~7 MiB resident. A 1 MiB young generation (V8's default grows to
 * 16 MiB) takes ~5 MiB off the start-up peak; the agent allocates little, so the extra scavenges
 * cost nothing measurable. --expose-gc lets the agent run a full collection every 5 minutes
 * (packages/agent/src/telemetry/heap-trim.ts says why); without it RSS climbs ~12 MiB an hour
 * (bench/RESULTS.md).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--no-opt', '--max-semi-space-size=1', '--expose-gc'];

export { AGENT_BUNDLE, buildAgent } from '../../scripts/build-agent.ts';
