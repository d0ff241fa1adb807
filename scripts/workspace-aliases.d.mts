/** Maps each package name to its TypeScript source (`node` picks the client's Node entry point). */
export function workspaceAliases(platform: 'node' | 'browser'): Record<string, string>;
