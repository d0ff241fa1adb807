import { configDefaults, defineConfig } from 'vitest/config';
import { workspaceAliases } from './scripts/workspace-aliases.mjs';

export default defineConfig({
  resolve: { alias: workspaceAliases('node') },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/node/**/*.test.ts'],
    // `*.browser.test.ts` files run in Chromium under @web/test-runner, not here.
    exclude: [...configDefaults.exclude, '**/*.browser.test.ts'],
    environment: 'node',
    // stdout is not a TTY under vitest, so every instance would print JSON lines; the console
    // tests set the option explicitly (and unset this to test the default).
    env: { LOGWIRE_CONSOLE: 'off' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
