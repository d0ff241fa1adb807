import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './scripts/workspace-aliases.mjs';

export default defineConfig({
  resolve: { alias: workspaceAliases('node') },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/node/**/*.test.ts'],
    // Browser tests (`*.browser.test.ts`) run in Chromium under @web/test-runner.
    exclude: ['**/node_modules/**', '**/*.browser.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
