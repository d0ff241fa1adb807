import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './scripts/workspace-aliases.mjs';

export default defineConfig({
  resolve: { alias: workspaceAliases('node') },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/node/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
