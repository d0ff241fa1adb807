import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// Inside the repository so `react` and `typescript` resolve from its node_modules.
const dir = `${root}node_modules/.cache/logwire-jsx-check`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('typed JSX intrinsic elements (docs/guides/frameworks.md)', () => {
  it('type-check correct panel props and reject wrong ones', () => {
    const guide = readFileSync(`${root}docs/guides/frameworks.md`, 'utf8');
    const section = guide.slice(guide.indexOf('### Typed JSX intrinsic elements'));
    const snippet = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/logwire-jsx.d.ts`, snippet);
    writeFileSync(
      `${dir}/usage.tsx`,
      `import type { LogStreamClient } from '@logwire/client';
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
            '@logwire/client': [`${root}packages/client/src/index.ts`],
            '@logwire/protocol': [`${root}packages/protocol/src/index.ts`],
          },
        },
        files: ['logwire-jsx.d.ts', 'usage.tsx'],
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
