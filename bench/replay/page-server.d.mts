/** Starts the page server; resolves with its origin (`http://127.0.0.1:<port>`) and a `close()`. */
export function startReplayPageServer(): Promise<{ origin: string; close: () => Promise<void> }>;
