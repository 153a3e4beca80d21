import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { AGENT_CLI, COLLECTOR_CLI, REPO_ROOT } from '../helpers/processes.ts';

/**
 * Issue 19 end to end on real processes: a real `perimeter-agent` takes the inventory of a real
 * model store on disk (an Ollama store whose blobs are named by their SHA-256, a Hugging Face
 * cache, a GGUF folder, all around llama.cpp's real vocab-only GGUF) and follows an nginx
 * `escape=json` access log; a real `perimeter-collector` answers for it through its public
 * surfaces only: GET /api/v1/models, the node timeline API (events), /metrics, the alerts API and
 * the `evidence` command. Tampering, replacing and removing models, a store the agent may not read,
 * and inference requests each show up where an operator or auditor would look.
 */
const TESTDATA = join(REPO_ROOT, 'packages/agent/src/samplers/models/testdata');
const GGUF = readFileSync(join(TESTDATA, 'ggml-vocab-bert-bge.gguf'));
const GGUF_SHA = 'fbcbe22278fb302694d5f4a41bfe48c5f90e8e3554eab1c0435387dff654a854';
/** A pulled gemma:2b manifest, byte for byte (SOURCES.md); its layers are re-pointed at our blobs. */
const GEMMA_MANIFEST = readFileSync(join(TESTDATA, 'ollama-manifest-gemma-2b'), 'utf8');
/** nginx `log_format … escape=json` lines as nginx 1.24 wrote them (inference testdata SOURCES.md). */
const NGINX_LINES = readFileSync(
  join(REPO_ROOT, 'packages/agent/src/samplers/inference/testdata/nginx-access.log'),
  'utf8',
)
  .split('\n')
  .filter((line) => line !== '');

const NODE = 'gpu-e2e-1';

/** waitUntil whose failure message may read the collector (asynchronously) to say what it had. */
async function until(
  check: () => Promise<boolean>,
  what: () => Promise<string>,
  timeoutMs = 20_000,
): Promise<void> {
  try {
    await waitUntil(check, 'the condition', timeoutMs);
  } catch {
    throw new Error(`timed out after ${timeoutMs} ms waiting until ${await what()}`);
  }
}
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Writes a blob under its own digest, as Ollama names them, and returns the digest. */
function ollamaBlob(store: string, bytes: Buffer | string): string {
  const digest = sha(bytes);
  mkdirSync(join(store, 'blobs'), { recursive: true });
  writeFileSync(join(store, 'blobs', `sha256-${digest}`), bytes);
  return digest;
}

/**
 * An Ollama model as `ollama pull` leaves it: the gemma:2b manifest's exact shape (field order,
 * media types, license/template/params layers, no trailing newline) with each layer's digest and
 * size re-pointed at a blob written here, since the real gemma blobs are 1.6 GB.
 */
function ollamaModel(store: string, model: string, tag: string, weights: Buffer): string {
  const manifest = JSON.parse(GEMMA_MANIFEST) as {
    config: { digest: string; size: number };
    layers: Array<{ mediaType: string; digest: string; size: number }>;
  };
  const config = `{"model_format":"gguf","model_family":"bert","model_families":["bert"],"model_type":"335M","file_type":"F16","architecture":"amd64","os":"linux"}`;
  manifest.config.digest = `sha256:${ollamaBlob(store, config)}`;
  manifest.config.size = config.length;
  const weightsDigest = ollamaBlob(store, weights);
  for (const layer of manifest.layers) {
    const bytes = layer.mediaType.endsWith('.model') ? weights : Buffer.from(`${model} ${layer.mediaType}`);
    layer.digest = `sha256:${ollamaBlob(store, bytes)}`;
    layer.size = bytes.length;
  }
  const dir = join(store, 'manifests/registry.ollama.ai/library', model);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, tag), JSON.stringify(manifest));
  return weightsDigest;
}

/** A Hugging Face hub cache entry: LFS blob named by its SHA-256, snapshot symlinks, refs/main. */
function huggingfaceModel(cache: string): void {
  const repo = join(cache, 'models--BAAI--bge-small');
  const revision = 'a5beb1e3e68b9ab74eb54cfd186867f64f240e1a';
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'refs'), { recursive: true });
  mkdirSync(join(repo, 'snapshots', revision), { recursive: true });
  writeFileSync(join(repo, 'refs/main'), revision);
  writeFileSync(join(repo, 'blobs', GGUF_SHA), GGUF);
  symlinkSync(`../../blobs/${GGUF_SHA}`, join(repo, 'snapshots', revision, 'model.gguf'));
}

interface ModelRow {
  node: string;
  name: string;
  source?: string;
  digest: string;
  lastSeen: string;
  integrity: { verdict: string; expected?: string; observed?: string };
}
interface TimelineEvent {
  type: string;
  name?: string;
  event?: string;
  attributes?: Record<string, unknown>;
}

describe('models and inference: a real agent, a real model store, a real collector', () => {
  let collector: CollectorProcess;
  let agent: AgentProcess;
  let root: string;
  let reader: string;
  let accessLog: string;
  const startedAt = Date.now();
  const stores = () => ({
    ollama: join(root, 'ollama'),
    locked: join(root, 'ollama-locked'),
    hf: join(root, 'hf'),
    gguf: join(root, 'gguf'),
  });
  const agentConfig = () => {
    const s = stores();
    return JSON.stringify({
      samplers: { system: { enabled: false }, drift: { enabled: false } },
      models: {
        ollamaDirs: [s.ollama, s.locked],
        huggingfaceCaches: [s.hf],
        dirs: [s.gguf],
        interval: '1s',
        hashRate: '50MiB',
      },
      inference: { accessLogs: [{ path: accessLog, format: 'nginx-json' }] },
    });
  };

  const get = async (path: string) => {
    const response = await fetch(`${collector.url}${path}`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const models = async () => ((await (await get('/api/v1/models')).json()) as { models: ModelRow[] }).models;
  const model = async (name: string) => (await models()).find((m) => m.name === name);
  const metrics = async () => (await get('/metrics')).text();
  const counter = async (pattern: RegExp) => {
    const match = (await metrics()).match(pattern);
    return match === null ? 0 : Number(match[1]);
  };
  const events = async (name: string): Promise<Record<string, unknown>[]> => {
    const from = new Date(startedAt - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const text = await (
      await get(
        `/api/v1/nodes/${NODE}/timeline?from=${from}&to=${to}&format=jsonl&events-only=true&event=${name}`,
      )
    ).text();
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as TimelineEvent)
      .filter((row) => row.type === 'event')
      .map((row) => row.attributes ?? {});
  };
  const changes = async (change: string, modelName: string) =>
    (await events('model.change')).filter(
      (e) => e['model.change'] === change && e['model.name'] === modelName,
    );

  let embedDigest: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'perimeter-e2e-models-'));
    const s = stores();
    expect(ollamaModel(s.ollama, 'bge', 'latest', GGUF)).toBe(GGUF_SHA);
    embedDigest = ollamaModel(s.ollama, 'embed', 'v1', Buffer.concat([GGUF, Buffer.from('embed v1')]));
    ollamaModel(s.locked, 'private', 'latest', Buffer.concat([GGUF, Buffer.from('private')]));
    huggingfaceModel(s.hf);
    mkdirSync(join(s.gguf, 'sub'), { recursive: true });
    copyFileSync(join(TESTDATA, 'ggml-vocab-bert-bge.gguf'), join(s.gguf, 'sub/bge-vocab.gguf'));
    accessLog = join(root, 'ai_access.json');
    // History already in the log at the agent's first start is not replayed.
    writeFileSync(accessLog, `${NGINX_LINES[0]}\n`);

    collector = await startCollectorProcess({
      config: JSON.stringify({ alerting: { evaluationInterval: '1s' } }),
    });
    reader = collector.createToken('auditor', 'reader');
    agent = startAgentProcess({
      collectorUrl: collector.url,
      token: collector.createToken(NODE),
      nodeId: NODE,
      interval: '1s',
      config: agentConfig(),
    });
    await waitUntil(
      () => agent.output().includes('access log followed'),
      () => `the agent follows the access log; it said:\n${agent.output()}`,
      60_000,
    );
  }, 90_000); // two processes starting (and two token CLIs) take ~30 s on a loaded 2-core box
  afterAll(async () => {
    if (root)
      for (const dir of [join(root, 'ollama-locked/manifests'), join(root, 'ollama-locked')]) {
        try {
          chmodSync(dir, 0o755);
        } catch {
          // already gone or never locked
        }
      }
    await agent?.stop();
    await collector?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('GET /api/v1/models lists every model on disk with its weights digest, verdict ok', async () => {
    const expected = ['bge:latest', 'embed:v1', 'private:latest', 'BAAI/bge-small', 'bge-vocab.gguf'];
    await until(
      async () => {
        const all = await models();
        return expected.every((name) => all.some((m) => m.name === name));
      },
      async () =>
        `every model listed; the API has ${JSON.stringify(await models())}\nagent:\n${agent.output()}`,
    );
    const all = await models();
    const digestOf = (name: string) => all.find((m) => m.name === name)?.digest;
    expect(all.every((m) => m.node === NODE)).toBe(true);
    expect(digestOf('bge:latest')).toBe(GGUF_SHA);
    expect(digestOf('embed:v1')).toBe(embedDigest);
    expect(digestOf('BAAI/bge-small')).toBe(GGUF_SHA);
    expect(digestOf('bge-vocab.gguf')).toBe(GGUF_SHA);
    expect(all.map((m) => m.integrity.verdict)).toEqual(all.map(() => 'ok'));
    expect((await events('model.change')).map((e) => e['model.change'])).toEqual(expected.map(() => 'added'));
  });

  it('(a) a blob tampered in place (same size, mtime put back) is a model.integrity mismatch, counted and alerted', async () => {
    const failures = /^perimeter_model_integrity_failures_total\{node="gpu-e2e-1"\} (\d+)$/m;
    const before = await counter(failures);
    const blob = join(stores().ollama, 'blobs', `sha256-${GGUF_SHA}`);
    const stat = statSync(blob);
    const bytes = readFileSync(blob);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(blob, bytes);
    utimesSync(blob, stat.atime, stat.mtime);
    expect(statSync(blob).size).toBe(stat.size);

    await waitUntil(
      async () => (await events('model.integrity')).length > 0,
      () => `a model.integrity event reached the collector; agent said:\n${agent.output()}`,
    );
    expect(await events('model.integrity')).toEqual([
      expect.objectContaining({
        'model.name': 'bge:latest',
        expected: GGUF_SHA,
        observed: sha(bytes),
        outcome: 'mismatch',
      }),
    ]);
    await waitUntil(async () => (await counter(failures)) === before + 1, 'the integrity counter rose by 1');
    await until(
      async () => (await model('bge:latest'))?.integrity.verdict === 'mismatch',
      async () => `the models API marks the tampered model: ${JSON.stringify(await models())}`,
    );
    // ModelWeightsTampered: increase(perimeter_model_integrity_failures_total[15m]) > 0, for 0s.
    await until(
      async () => {
        const body = (await (await get('/api/v1/alerts?alertname=ModelWeightsTampered')).json()) as {
          active: Array<{ state: string; labels: Record<string, string> }>;
        };
        return body.active.some((a) => a.state === 'firing' && a.labels['node'] === NODE);
      },
      async () => `ModelWeightsTampered fires; alerts API: ${await (await get('/api/v1/alerts')).text()}`,
      30_000,
    );
  });

  it('(b) a model replaced under the same name is model.change "replaced" with the previous digest', async () => {
    const newer = Buffer.concat([GGUF, Buffer.from('embed v2')]);
    const newDigest = ollamaModel(stores().ollama, 'embed', 'v1', newer);
    await waitUntil(
      async () => (await changes('replaced', 'embed:v1')).length > 0,
      () => `model.change replaced for embed:v1; agent said:\n${agent.output()}`,
    );
    expect((await changes('replaced', 'embed:v1'))[0]).toMatchObject({
      'model.digest': newDigest,
      'model.previous_digest': embedDigest,
    });
    await waitUntil(
      async () => (await model('embed:v1'))?.digest === newDigest,
      'the models API has the new digest',
    );
    embedDigest = newDigest;
  });

  it('(c) a model removed from the store is model.change "removed" and its inventory series stops', async () => {
    rmSync(join(stores().hf, 'models--BAAI--bge-small'), { recursive: true });
    await waitUntil(
      async () => (await changes('removed', 'BAAI/bge-small')).length > 0,
      () => `model.change removed for BAAI/bge-small; agent said:\n${agent.output()}`,
    );
    expect((await changes('removed', 'BAAI/bge-small'))[0]).toMatchObject({
      'model.previous_digest': GGUF_SHA,
    });
    // Its series stops: later rounds carry the other models on while its last sighting stays put
    // (the API leaves a model behind once it is out of the node's newest round, 30 s of slack).
    const gone = (await model('BAAI/bge-small'))?.lastSeen;
    await until(
      async () => {
        const ggufSeen = (await model('bge-vocab.gguf'))?.lastSeen;
        const removedSeen = (await model('BAAI/bge-small'))?.lastSeen;
        return ggufSeen !== undefined && Date.parse(ggufSeen) > Date.parse(removedSeen ?? '') + 2_000;
      },
      async () => `the removed model's lastSeen stops; API: ${JSON.stringify(await models())}`,
    );
    expect((await model('BAAI/bge-small'))?.lastSeen).toBe(gone);
  });

  it('(d) a model store the agent may not read is a warning and a probe row, never a crash or a "removed"', async () => {
    const manifests = join(stores().locked, 'manifests');
    chmodSync(manifests, 0o000);
    let denied = true;
    try {
      readdirSync(manifests);
      denied = false; // root (CAP_DAC_OVERRIDE): chmod does not deny a read
    } catch {
      // denied, as for the agent's unprivileged user
    }
    if (!denied) {
      console.warn(
        '(d) running as root: chmod 000 does not deny a read here, so the EACCES "needs root" probe row is not asserted; ' +
          'the store is made unreadable with a symlink loop (ELOOP) instead for the rest of the check',
      );
      chmodSync(manifests, 0o755);
      rmSync(manifests, { recursive: true });
      symlinkSync('manifests', manifests);
    }
    await waitUntil(
      () => agent.output().includes('model store not readable by the agent'),
      () => `the agent warns about the store; it said:\n${agent.output()}`,
    );
    expect(agent.child.exitCode).toBeNull();
    const probe = execFileSync(
      process.execPath,
      [AGENT_CLI, 'probe', '--json', '--config', join(agent.dataDir, 'agent.yaml')],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const rows = (
      JSON.parse(probe) as {
        rows: Array<{ sampler: string; source: string; status: string; reason: string }>;
      }
    ).rows;
    const row = rows.find((r) => r.sampler === 'models' && r.source === `ollama ${stores().locked}`);
    expect(row?.reason).toContain('not readable by this user');
    if (denied)
      expect(row).toMatchObject({ status: 'needs root', reason: expect.stringContaining('EACCES') });
    else expect(row).toMatchObject({ status: 'error', reason: expect.stringContaining('ELOOP') });
    // Rounds go on (the next test's requests are shipped by this same process), and what the
    // store held is not reported as removed.
    expect(agent.child.exitCode).toBeNull();
    expect(await changes('removed', 'private:latest')).toEqual([]);
    expect(await model('bge-vocab.gguf')).toBeDefined();
  });

  it('(e) inference requests appended to the access log are counted by status and reach the evidence', async () => {
    const requests = /^perimeter_inference_requests_total\{node="gpu-e2e-1",code="(\d+)"\} (\d+)$/gm;
    const byCode = async () =>
      Object.fromEntries([...(await metrics()).matchAll(requests)].map((m) => [m[1], Number(m[2])]));
    const now = new Date().toISOString().replace(/\.\d+Z$/, '+00:00');
    const lines = NGINX_LINES.map((line) =>
      line.replace(/"time_iso8601":"[^"]+"/, `"time_iso8601":"${now}"`),
    );
    appendFileSync(accessLog, `${lines.join('\n')}\n`);
    await until(
      async () => {
        const counts = await byCode();
        return counts['200'] === 2 && counts['401'] === 3;
      },
      async () =>
        `requests counted by code; /metrics has ${JSON.stringify(await byCode())}; agent:\n${agent.output()}`,
    );
    const shipped = await events('inference.request');
    expect(shipped).toHaveLength(5);
    expect(shipped.map((e) => e['user.name'] ?? '')).toEqual(['alice', 'alice', '', '', 'al"ice\\x']);
    expect(JSON.stringify(shipped)).not.toContain('sk-proj-abcdefghijklmnop0123');

    const out = join(root, 'evidence');
    execFileSync(
      process.execPath,
      [
        COLLECTOR_CLI,
        'evidence',
        '--from',
        new Date(startedAt - 60_000).toISOString(),
        '--to',
        new Date(Date.now() + 1_000).toISOString(),
        '--out',
        out,
        '--data-dir',
        collector.dataDir,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const file = (name: string) => {
      const hit = readdirSync(out, { recursive: true, encoding: 'utf8' }).find((path) => path.endsWith(name));
      if (hit === undefined)
        throw new Error(`${name} not in the evidence: ${readdirSync(out, { recursive: true })}`);
      return readFileSync(join(out, hit), 'utf8');
    };
    const inventory = file('models.csv');
    expect(inventory).toContain('bge:latest');
    expect(inventory).toContain(GGUF_SHA);
    expect(inventory).toContain(embedDigest);
    const access = file('inference-access.jsonl')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(access).toHaveLength(5);
    expect(access.map((r) => r['status'])).toEqual([200, 401, 200, 401, 401]);
    expect(access[0]).toMatchObject({ user: 'alice', ip: '127.0.0.1' });
    const changed = file('model-changes.csv');
    expect(changed).toContain('replaced');
    expect(changed).toContain('removed');
    expect(changed).toContain('BAAI/bge-small');
    const tampering = file('model-tampering.csv');
    expect(tampering).toContain('bge:latest');
    expect(tampering).toContain(sha(readFileSync(join(stores().ollama, 'blobs', `sha256-${GGUF_SHA}`))));
    // The report itself states the facts, section by section.
    const report = readFileSync(join(out, 'evidence.md'), 'utf8');
    expect(report).toContain('AI models: inventory and weights integrity');
    expect(report).toMatch(
      /model\(s\) on 1 node\(s\) in the period; 1 with weights failing their integrity check/,
    );
    expect(report).toMatch(/5 inference request\(s\) from \d+ user\(s\) on 1 node\(s\); 3 answered 4xx\/5xx/);
    expect(report).toMatch(/model change\(s\): 5 added, 1 replaced, 1 removed/);
    expect(report).toContain('1 weights integrity failure(s); each paged ModelWeightsTampered (critical)');
    expect(agent.child.exitCode).toBeNull();
  });
});
