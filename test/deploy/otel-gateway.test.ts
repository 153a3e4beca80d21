import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The OpenTelemetry Collector gateway configuration (deploy/otel-gateway) is wired as the collector
 * would load it: every component a pipeline or service.extensions names is defined, each pipeline
 * has a receiver and an exporter, and the awss3 exporter and its persistent queue are configured
 * with keys its README documents. There is no otelcol-contrib binary here; `otelcol-contrib
 * validate` is the full check where one is installed.
 */

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const CONFIG_FILE = join(REPO_ROOT, 'deploy/otel-gateway/otel-gateway.yaml');

type Section = Record<string, Record<string, unknown> | null>;
interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}
interface GatewayConfig {
  receivers: Section;
  processors: Section;
  exporters: Section;
  extensions: Section;
  service: { extensions?: string[]; pipelines: Record<string, Pipeline> };
}

/** `type/name` → `type`: the collector's component id syntax. */
const typeOf = (id: string) => id.split('/')[0] as string;

/** Marshalers the awss3 exporter README lists; the two OTLP ones are what replay can read. */
const AWSS3_MARSHALERS = ['otlp_json', 'otlp_proto', 'sumo_ic', 'body'];
const OTLP_MARSHALERS = ['otlp_json', 'otlp_proto'];
/** Keys of awss3's s3uploader block per its README. */
const S3UPLOADER_KEYS = new Set([
  'region',
  's3_bucket',
  's3_prefix',
  's3_base_prefix',
  's3_partition_format',
  's3_partition_timezone',
  'role_arn',
  'file_prefix',
  'endpoint',
  'storage_class',
  'acl',
  's3_force_path_style',
  'disable_ssl',
  'compression',
  'retry_mode',
  'retry_max_attempts',
  'retry_max_backoff',
  'unique_key_func_name',
]);

const config = parse(readFileSync(CONFIG_FILE, 'utf8')) as GatewayConfig;
const pipelines = Object.entries(config.service.pipelines);
const awss3 = Object.entries(config.exporters).filter(([id]) => typeOf(id) === 'awss3');

describe('deploy/otel-gateway/otel-gateway.yaml', () => {
  it('defines every receiver, processor and exporter its pipelines reference', () => {
    for (const [name, pipeline] of pipelines) {
      for (const [kind, section] of [
        ['receivers', config.receivers],
        ['processors', config.processors],
        ['exporters', config.exporters],
      ] as const) {
        for (const id of pipeline[kind] ?? []) {
          expect(Object.keys(section), `${name}.${kind}: ${id}`).toContain(id);
        }
      }
    }
  });

  it('defines every extension service.extensions enables, and enables every auth and storage it references', () => {
    const enabled = config.service.extensions ?? [];
    for (const id of enabled) {
      expect(Object.keys(config.extensions)).toContain(id);
    }
    const http =
      (config.receivers.otlp?.protocols as { http: Record<string, unknown> } | undefined)?.http ?? {};
    const authenticator = (http.auth as { authenticator: string }).authenticator;
    expect(enabled).toContain(authenticator);
    expect(typeOf(authenticator)).toBe('bearertokenauth');
    for (const [, exporter] of awss3) {
      expect(enabled).toContain((exporter?.sending_queue as { storage?: string } | undefined)?.storage);
    }
  });

  it('has metrics and logs pipelines, each with at least one receiver and one exporter, memory_limiter first', () => {
    expect(Object.keys(config.service.pipelines)).toEqual(expect.arrayContaining(['metrics', 'logs']));
    for (const [name, pipeline] of pipelines) {
      expect(pipeline.receivers?.length, name).toBeGreaterThanOrEqual(1);
      expect(pipeline.exporters?.length, name).toBeGreaterThanOrEqual(1);
      expect(pipeline.processors?.map(typeOf)[0], name).toBe('memory_limiter');
      expect(pipeline.processors?.map(typeOf), name).toContain('batch');
      expect(pipeline.exporters?.map(typeOf), name).toContain('awss3');
    }
  });

  it('receives OTLP/HTTP over TLS with a bearer token', () => {
    const http =
      (config.receivers.otlp?.protocols as { http: Record<string, unknown> } | undefined)?.http ?? {};
    const tls = http.tls as Record<string, string>;
    expect(tls.cert_file).toMatch(/\$\{env:[A-Z_]+\}/);
    expect(tls.key_file).toMatch(/\$\{env:[A-Z_]+\}/);
    expect(config.extensions.bearertokenauth?.token).toMatch(/\$\{env:[A-Z_]+\}/);
  });

  it('writes to S3 with region, bucket and prefix from the environment, a documented marshaler and a time partition', () => {
    expect(awss3.length).toBeGreaterThanOrEqual(1);
    for (const [id, exporter] of awss3) {
      const uploader = exporter?.s3uploader as Record<string, string>;
      for (const key of Object.keys(uploader)) {
        expect(S3UPLOADER_KEYS, `${id}.s3uploader.${key}`).toContain(key);
      }
      expect(uploader.region, id).toMatch(/\$\{env:[A-Z0-9_]+\}/);
      expect(uploader.s3_bucket, id).toMatch(/\$\{env:[A-Z0-9_]+\}/);
      expect(uploader.s3_prefix, id).toMatch(/\$\{env:[A-Z0-9_]+\}/);
      expect(uploader.s3_partition_format, id).toMatch(/%Y.*%m.*%d.*%H/);
      expect(AWSS3_MARSHALERS, id).toContain(exporter?.marshaler);
      expect(OTLP_MARSHALERS, `${id}: replay reads OTLP`).toContain(exporter?.marshaler);
    }
  });

  it('keeps each S3 exporter’s sending queue on a defined file_storage extension, never giving up', () => {
    for (const [id, exporter] of awss3) {
      const queue = exporter?.sending_queue as { enabled: boolean; storage: string };
      expect(queue.enabled, id).toBe(true);
      expect(Object.keys(config.extensions), id).toContain(queue.storage);
      expect(typeOf(queue.storage), id).toBe('file_storage');
      expect(config.extensions[queue.storage]?.directory, id).toBeTruthy();
      const retry = exporter?.retry_on_failure as { enabled: boolean; max_elapsed_time: string };
      expect(retry.enabled, id).toBe(true);
      expect(retry.max_elapsed_time, id).toMatch(/^0s?$/);
    }
  });
});
