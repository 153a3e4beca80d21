import { defineConfig } from 'vitest/config';

// One test command for the whole workspace: unit tests live next to their code,
// cross-process scenarios under test/.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
