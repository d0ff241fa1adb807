// Browser tests run in real headless Chromium (the system one; see scripts/chromium.mjs).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium.mjs';
import { workspaceAliases } from './scripts/workspace-aliases.mjs';
import { logServerPlugin } from './test/browser/log-server-plugin.mjs';
import { summaryReporter } from './test/browser/summary-reporter.mjs';

const root = new URL('.', import.meta.url).pathname;
const aliases = Object.fromEntries(
  Object.entries(workspaceAliases('browser')).map(([name, file]) => [name, `/${file.slice(root.length)}`]),
);

export default {
  rootDir: '.',
  files: ['packages/*/test/**/*.browser.test.ts', 'test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  concurrency: 2,
  testFramework: { config: { timeout: 20000 } },
  plugins: [
    { name: 'workspace-aliases', resolveImport: ({ source }) => aliases[source] },
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: `${root}tsconfig.json` }),
    logServerPlugin(),
  ],
  browsers: [chromeLauncher({ launchOptions: { executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS } })],
  reporters: [defaultReporter(), summaryReporter(`${root}.test-results/browser.json`)],
};
