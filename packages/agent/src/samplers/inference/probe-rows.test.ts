import { describe, expect, it } from 'vitest';
import { inferenceProbeRows } from './probe-rows.ts';

describe('inference probe rows', () => {
  it('says which access logs the agent may read and which servers it scrapes', () => {
    const rows = inferenceProbeRows(
      [
        { path: '/var/log/nginx/ai_access.json', format: 'nginx-json' },
        { path: '/root/.ollama/logs/server.log', format: 'ollama-gin' },
      ],
      [{ url: 'http://127.0.0.1:8000/metrics', kind: 'vllm' }],
      (path) => path.startsWith('/var/log'),
    );
    expect(rows.map((row) => [row.reading, row.status, row.source])).toEqual([
      ['inference.request', 'available', 'nginx-json /var/log/nginx/ai_access.json'],
      ['inference.request', 'needs root', 'ollama-gin /root/.ollama/logs/server.log'],
      ['perimeter.inference.server.up', 'available', 'vllm http://127.0.0.1:8000/metrics'],
    ]);
  });
});
