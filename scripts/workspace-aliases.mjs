// Maps each package name to its TypeScript source so tests run against src/ without a build.
// tsconfig.json's "paths" holds the same table for the type checker.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @param {'node' | 'browser'} platform */
export function workspaceAliases(platform) {
  return {
    '@logwire/protocol': `${root}packages/protocol/src/index.ts`,
    '@logwire/client': `${root}packages/client/src/${platform === 'node' ? 'node' : 'index'}.ts`,
    '@logwire/server': `${root}packages/server/src/index.ts`,
    '@logwire/redis': `${root}packages/redis/src/index.ts`,
    '@logwire/panels/define': `${root}packages/panels/src/define.ts`,
    '@logwire/panels': `${root}packages/panels/src/index.ts`,
  };
}
