import { z } from 'zod';
import { byteRate, byteSize, durationMs, flagBoolean, logLevel, nodeId } from './fields.ts';

const samplerToggle = z.object({ enabled: flagBoolean.optional() }).loose();

export const agentConfigSchema = z
  .object({
    collector: z
      .url({ message: 'expected a URL such as http://127.0.0.1:4318' })
      .default('http://127.0.0.1:4318'),
    token: z.string().min(1).optional(),
    nodeId: nodeId.optional(),
    dataDir: z.string().min(1).default('./.perimeter/agent'),
    interval: durationMs.default(10_000),
    logLevel: logLevel.default('info'),
    /** Root under which /sys and /proc are read; tests point it at fixtures (node_exporter's --path.sysfs). */
    fsRoot: z.string().default('/'),
    spool: z
      .object({
        maxBytes: byteSize.default(256 * 1024 * 1024),
      })
      .default({ maxBytes: 256 * 1024 * 1024 }),
    ship: z
      .object({
        timeout: durationMs.default(10_000),
        initialBackoff: durationMs.default(500),
        // 10 s, like Prometheus remote-write's 5 s rather than OTel's 30 s: a failed attempt costs a
        // refused connect, and after an outage every node's first retry lands within 10 s, so a
        // 10-minute backlog drains at ≥ 30× real time (bench/latency.ts catch-up). Retry-After wins.
        maxBackoff: durationMs.default(10_000),
        // The cap while the collector's host refuses the connection (nothing listens: the collector
        // is down or restarting). Such a try costs the collector nothing (its kernel answers), and
        // after an outage the wait for the first try is most of the drain: at 10 s a 10-minute
        // backlog of 100 nodes drained at ~40×, at 2 s it starts within ~2 s. Every answer from
        // the collector (429, 503, …) and every timeout keeps maxBackoff and Retry-After.
        maxRefusedBackoff: durationMs.default(2_000),
        gzip: flagBoolean.default(true),
        /** TLS to the collector: its CA (PEM), and this node's client certificate and key for mTLS. */
        tls: z
          .object({
            ca: z.string().min(1).optional(),
            cert: z.string().min(1).optional(),
            key: z.string().min(1).optional(),
          })
          .strict()
          .refine((value) => (value.cert === undefined) === (value.key === undefined), {
            message: 'cert and key go together',
          })
          .optional(),
      })
      .default({
        timeout: 10_000,
        initialBackoff: 500,
        maxBackoff: 10_000,
        maxRefusedBackoff: 2_000,
        gzip: true,
      }),
    samplers: z.record(z.string(), samplerToggle).default({}),
    /** Login events (README "Logins"): where they are followed from. */
    logins: z
      .object({
        /** auto: the unified log on macOS; on Linux authLog if set, else journald, else auth.log/secure. */
        source: z.enum(['auto', 'journald', 'file', 'unified-log', 'off']).default('auto'),
        /** The Linux auth log to follow (implies source file under auto). */
        authLog: z.string().min(1).optional(),
        /**
         * macOS: the file the root login-reader job writes (`log show --style ndjson` with the login
         * predicate, deploy/macos/install.sh; default /var/log/perimeter/logins.ndjson). Followed when
         * it exists or when `log` refuses the agent's non-admin user.
         */
        unifiedLogFile: z.string().min(1).optional(),
        /** Send the `last` history once, at the first start. */
        backfill: flagBoolean.default(true),
      })
      .strict()
      .default({ source: 'auto', backfill: true }),
    /** Configuration drift checks (README "Drift"). */
    drift: z
      .object({
        /** The operator's baseline YAML (`perimeter-agent baseline capture` writes a first one). */
        baseline: z.string().min(1).optional(),
        /** How often the checks run; between runs the last results are repeated. */
        interval: durationMs.default(5 * 60_000),
        /**
         * macOS, agent not root: the file the root job com.perimeter.remote-login-reader appends
         * `systemsetup -getremotelogin` to (docs/least-privilege.md; default
         * /var/log/perimeter/remote-login.txt, declared in the agent's macos-privileged-jobs.ts).
         */
        remoteLoginFile: z.string().min(1).optional(),
        /** Likewise for com.perimeter.listeners-reader's `lsof` (default /var/log/perimeter/listeners.txt). */
        listenersFile: z.string().min(1).optional(),
      })
      .strict()
      .default({ interval: 5 * 60_000 }),
    /** The AI workload's models on disk (ARCHITECTURE.md "The AI workload"): where they live and how often they are checked. */
    models: z
      .object({
        /** Ollama stores; unset: OLLAMA_MODELS, ~/.ollama/models and /usr/share/ollama/.ollama/models. */
        ollamaDirs: z.array(z.string().min(1)).optional(),
        /** Hugging Face hub caches; unset: HF_HUB_CACHE, HF_HOME/hub and ~/.cache/huggingface/hub. */
        huggingfaceCaches: z.array(z.string().min(1)).optional(),
        /** Folders searched for *.gguf files (llama.cpp, LM Studio, hand-placed weights). */
        dirs: z.array(z.string().min(1)).default([]),
        /** How often the inventory is taken and every weights file is stat'ed. */
        interval: durationMs.default(60_000),
        /** Background re-hash budget in bytes per second (`50MiB/s` or `50MiB`). */
        hashRate: byteRate.default(50 * 1024 * 1024),
      })
      .strict()
      .default({ dirs: [], interval: 60_000, hashRate: 50 * 1024 * 1024 }),
    /** Inference access: proxy access logs followed live and servers' Prometheus endpoints scraped. */
    inference: z
      .object({
        accessLogs: z
          .array(
            z
              .object({
                path: z.string().min(1),
                format: z.enum(['nginx-json', 'caddy-json', 'traefik-json', 'ollama-gin']),
                /** The JSON key holding the user (nginx-json default `remote_user`); never a token. */
                userField: z.string().min(1).optional(),
              })
              .strict(),
          )
          .default([]),
        metrics: z
          .array(
            z
              .object({
                url: z.url({ message: 'expected a URL such as http://127.0.0.1:8080/metrics' }),
                kind: z.enum(['llama-server', 'vllm', 'tgi']),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ accessLogs: [], metrics: [] }),
    /** Where the hardware samplers find optional readers (see README "Hardware sources"). */
    hardware: z
      .object({
        /** `macmon serve` on this Mac (its default address); read when it answers. */
        macmonUrl: z
          .url({ message: 'expected a URL such as http://127.0.0.1:9090/metrics' })
          .default('http://127.0.0.1:9090/metrics'),
        /** Run powermetrics via `sudo -n` (install deploy/sudoers/perimeter-powermetrics first). */
        powermetricsViaSudo: flagBoolean.default(false),
      })
      .strict()
      .default({ macmonUrl: 'http://127.0.0.1:9090/metrics', powermetricsViaSudo: false }),
  })
  .strict();

export type AgentConfig = z.output<typeof agentConfigSchema>;

/** Keys that flags and `PERIMETER_*` variables may set (ARCHITECTURE.md "Command line"). */
export const agentFlagKeys = [
  'collector',
  'token',
  'nodeId',
  'dataDir',
  'interval',
  'logLevel',
  'fsRoot',
] as const;
