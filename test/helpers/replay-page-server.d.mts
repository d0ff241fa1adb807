/** Starts the page server; resolves with its origin (`http://127.0.0.1:<port>`) and a `close()`. */
export function startReplayPageServer(): Promise<{ origin: string; close: () => Promise<void> }>;
/** Serves `page` at `/` and `script` at `scriptPath` on a free port. */
export function serveScriptPage(
  scriptPath: string,
  script: Uint8Array | string,
  page: string,
): Promise<{ origin: string; close: () => Promise<void> }>;
