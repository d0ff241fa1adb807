/** Starts the dashboard page server; resolves with its origin (`http://127.0.0.1:<port>`) and a `close()`. */
export function startReplayAppServer(): Promise<{ origin: string; close: () => Promise<void> }>;
