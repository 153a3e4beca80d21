import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderArtifacts } from './index.ts';

/** `pnpm dashboards:build`: writes dashboards/json/*.json and dashboards/provisioning/*.yaml. */
const root = join(import.meta.dirname, '..');
for (const [file, text] of renderArtifacts()) {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote dashboards/${file}`);
}
