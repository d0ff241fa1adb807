/** Starts the page server; resolves with its origin (`http://127.0.0.1:<port>`) and a `close()`. */
export function startReplayPageServer(): Promise<{ origin: string; close: () => Promise<void> }>;
/** Serves `page` at `/` and `script` at `scriptPath` on a free port. */
export function serveScriptPage(
  scriptPath: string,
  script: Uint8Array | string,
  page: string,
): Promise<{ origin: string; close: () => Promise<void> }>;
/** Bundles a module of the repository (path from its root) from source into one ES module, for a page. */
export function bundleSource(entry: string): Promise<Uint8Array>;
