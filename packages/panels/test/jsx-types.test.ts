import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// Inside the repository so `react`, `vue` and `typescript` resolve from its node_modules.
const dir = `${root}node_modules/.cache/logwire-jsx-check`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('typed elements for React and Vue (@logwire/panels/react, @logwire/panels/vue)', () => {
  it('type-check correct panel props and reject wrong ones', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      `${dir}/usage.tsx`,
      `import type {} from '@logwire/panels/react';
import type { LogStreamClient } from '@logwire/client';
declare const client: LogStreamClient;
export const system = <system-log-panel client={client} time-zone="utc" levels="ERROR" module-filter="db" onlogwire-export={(event) => event.content.length} />;
export const audit = <audit-log-panel src="ws://localhost/ws/logs" action-filter="login" onlogwire-copy={(event) => event.text.length} />;
export const history = <system-log-panel history-src="/logs" history-page-size={200} historyFetch={(url, init) => fetch(url, init)} onlogwire-history={(event) => event.added + (event.status ?? 0)} />;
// @ts-expect-error historyFetch must return a Promise<Response>
export const badFetch = <audit-log-panel historyFetch={(url: string) => url} />;
// @ts-expect-error time-zone is local or utc
export const badZone = <system-log-panel time-zone="mars" />;
// @ts-expect-error limit is a number
export const badLimit = <audit-log-panel limit="many" />;
// @ts-expect-error the export event has no such field
export const badEvent = <system-log-panel onlogwire-export={(event) => event.rows} />;
`,
    );
    writeFileSync(
      `${dir}/usage-vue.ts`,
      `import type {} from '@logwire/panels/vue';
import type { LogStreamClient } from '@logwire/client';
import type { GlobalComponents } from 'vue';
type Props<Tag extends keyof GlobalComponents> = InstanceType<GlobalComponents[Tag]>['$props'];
declare const client: LogStreamClient;
export const system: Props<'system-log-panel'> = { client, timeZone: 'utc', levels: ['ERROR'], moduleFilter: 'db' };
export const audit: Props<'audit-log-panel'> = { src: 'ws://localhost/ws/logs', actionFilter: 'login', historyPageSize: 200 };
// @ts-expect-error time-zone is local or utc
export const badZone: Props<'system-log-panel'> = { timeZone: 'mars' };
// @ts-expect-error limit is a number
export const badLimit: Props<'audit-log-panel'> = { limit: 'many' };
// @ts-expect-error action-filter belongs to the audit panel
export const badFilter: Props<'system-log-panel'> = { actionFilter: 'login' };
`,
    );
    writeFileSync(
      `${dir}/tsconfig.json`,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          jsx: 'react-jsx',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          target: 'ES2022',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          types: [],
          skipLibCheck: true,
          paths: {
            '@logwire/panels': [`${root}packages/panels/src/index.ts`],
            '@logwire/panels/react': [`${root}packages/panels/src/react.ts`],
            '@logwire/panels/vue': [`${root}packages/panels/src/vue.ts`],
            '@logwire/client': [`${root}packages/client/src/index.ts`],
            '@logwire/protocol': [`${root}packages/protocol/src/index.ts`],
          },
        },
        files: ['usage.tsx', 'usage-vue.ts'],
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 60_000);
});
