// Serves a dashboard page: a <system-log-panel> fed by a LogStreamClient with the replay buffer
// (client and panels bundled from source with esbuild), on 127.0.0.1 and a free port. The page
// reads its settings from the query string:
//   ws=<url>   the log stream (required)      db=<name>   IndexedDB database name
//   limit=<n>  entries restored on start       tabs=off    no tab coordination (own socket per tab)
//   noidb=1    hide IndexedDB                  own=1      the panel makes its own client from `src`
//                                                         with `panel.replay` (no `window.app.client` state)
//   token=<t>  bearer token of the client
// and records the client's error events on `window.app.errors` (`<code>: <message>`),
// and on `window.app` when things happened (`performance.now()` ms): `restoredAt`, the
// first frame with rows in the panel (`paintedAt`, with `paintedRows`), each socket open
// (`openedAt`), and the `restore` event. Used by the end-to-end replay tests and by bench/replay.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serveScriptPage } from './replay-page-server.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

const APP = `
import { LogStreamClient, openReplayBuffer, replay, streamKey } from '@logwire/client';
import '@logwire/panels/define';
const params = new URLSearchParams(location.search);
// noidb=1: a browser without IndexedDB (as in some private modes).
if (params.get('noidb') === '1') Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
const app = (window.app = { errors: [], opened: 0, openedAt: [], restored: undefined, restoredAt: undefined, paintedAt: undefined, paintedRows: 0, roles: [] });
// Count socket opens as the page sees them (the open event), before the client subscribes.
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('open', () => {
      app.opened++;
      app.openedAt.push(performance.now());
    });
  }
};
const panel = document.createElement('system-log-panel');
panel.limit = 1_000_000;
panel.style.height = '400px';
document.body.append(panel);
const options = { flushDelay: 20 };
if (params.get('db')) options.name = params.get('db');
if (params.get('limit')) options.limit = Number(params.get('limit'));
if (params.get('tabs') === 'off') options.tabs = false;
let client;
if (params.get('own') === '1') {
  // The panel creates its own client from src, with the replay attachment it is given.
  panel.replay = replay(options);
  panel.src = params.get('ws');
  client = { role: undefined };
} else {
  const token = params.get('token') ?? undefined;
  client = new LogStreamClient(params.get('ws'), { replay: replay(options), reconnect: { baseDelay: 50, maxDelay: 200 }, token });
  client.on('error', (error) => app.errors.push(error.code + ': ' + error.message));
  panel.client = client;
  client.on('restore', (restored) => {
    app.restored = restored;
    app.restoredAt = performance.now();
  });
}
app.client = client;
app.panel = panel;
let lastRole;
const watch = () => {
  if (client.role !== lastRole) {
    lastRole = client.role;
    app.roles.push([lastRole, performance.timeOrigin + performance.now()]);
  }
  if (app.paintedAt === undefined) {
    const rows = panel.shadowRoot?.querySelectorAll('.row').length ?? 0;
    if (rows > 0) {
      app.paintedAt = performance.now();
      app.paintedRows = rows;
      app.openedBeforePaint = app.opened;
    }
  }
  requestAnimationFrame(watch);
};
requestAnimationFrame(watch);
// Roles also change while frames do not run (a hidden page): poll them on a timer as well.
setInterval(() => {
  if (client.role !== lastRole) {
    lastRole = client.role;
    app.roles.push([lastRole, performance.timeOrigin + performance.now()]);
  }
}, 10);
app.ids = () => panel.entries.map((m) => m.id);
app.items = () => JSON.parse(panel.exportAs('json')).map((item) => (item.type === 'gap' ? 'gap:' + item.data.reason : item.id));
// For tests that read storage through a second buffer instance.
window.lw = { openReplayBuffer, streamKey };
window.appReady = true;
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>replay app</title><body><script type="module" src="/app.js"></script></body>`;

/** Starts the server; resolves with its origin and a `close()`. */
export async function startReplayAppServer() {
  const bundle = await build({
    stdin: { contents: APP, resolveDir: root, loader: 'js' },
    alias: {
      '@logwire/protocol': `${root}packages/protocol/src/index.ts`,
      '@logwire/client': `${root}packages/client/src/index.ts`,
      '@logwire/panels/define': `${root}packages/panels/src/define.ts`,
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return serveScriptPage('/app.js', bundle.outputFiles[0].contents, PAGE);
}
