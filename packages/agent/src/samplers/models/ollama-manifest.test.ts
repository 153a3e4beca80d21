import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layerKind, ollamaModelName, parseOllamaConfig, parseOllamaManifest } from './ollama-manifest.ts';

const fixture = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url));

describe('parseOllamaManifest', () => {
  it('reads a pulled gemma:2b manifest: the manifest digest is of the bytes, the weights digest is the model layer', () => {
    const bytes = fixture('ollama-manifest-gemma-2b');
    const manifest = parseOllamaManifest(bytes);
    expect(manifest.manifestDigest).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(manifest.layers.map(layerKind)).toEqual(['model', 'license', 'template', 'params']);
    const model = manifest.layers.find((layer) => layerKind(layer) === 'model');
    expect(model).toEqual({
      mediaType: 'application/vnd.ollama.image.model',
      digest: 'sha256:c1864a5eb19305c40519da12cc543519e48a0697ecd30e15d5ac228644957d12',
      size: 1678447520,
    });
    expect(manifest.config?.digest).toBe(
      'sha256:887433b89a901c156f7e6944442f3c9e57f3c55d6ed52042cbb7303aea994290',
    );
  });

  it("reads ollama's own test manifest with its fields in another order", () => {
    const manifest = parseOllamaManifest(fixture('ollama-manifest-images-test'));
    expect(manifest.layers).toEqual([
      { mediaType: 'application/vnd.ollama.image.model', digest: 'sha256:def', size: 999 },
    ]);
    expect(manifest.config?.size).toBe(50);
  });

  it('names the field that is wrong', () => {
    expect(() => parseOllamaManifest(Buffer.from('{"layers":[{"digest":"sha256:x"}]}'))).toThrow(
      /layers\[0\]/,
    );
    expect(() => parseOllamaManifest(Buffer.from('{"config":{}}'))).toThrow(/layers/);
    expect(() => parseOllamaManifest(Buffer.from('{'))).toThrow(/not JSON/);
  });
});

describe('ollamaModelName', () => {
  it('shows names as `ollama list` does', () => {
    expect(ollamaModelName('registry.ollama.ai', 'library', 'llama3.2', 'latest')).toBe('llama3.2:latest');
    expect(ollamaModelName('registry.ollama.ai', 'jmorgan', 'm', '7b')).toBe('jmorgan/m:7b');
    expect(ollamaModelName('hf.co', 'bartowski', 'x-GGUF', 'Q4_K_M')).toBe('hf.co/bartowski/x-GGUF:Q4_K_M');
  });
});

describe('parseOllamaConfig', () => {
  it('takes family, parameter size and quantization from ConfigV2 fields', () => {
    const config = parseOllamaConfig(
      '{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"3.2B","file_type":"Q4_K_M","architecture":"amd64","os":"linux"}',
    );
    expect(config).toEqual({ format: 'gguf', family: 'llama', parameters: '3.2B', quantization: 'Q4_K_M' });
  });
});
