// Serves a blank page that exposes the replay buffer module (bundled from source with esbuild) as
// `window.replay`, on 127.0.0.1 and a free port. Pages of one server share an origin, so they share
// IndexedDB, Web Locks and BroadcastChannel like the tabs of one dashboard. Used by the Chromium
// tests of the replay buffer and by its benchmark (bench/replay).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><title>replay</title>
<script type="module">import * as replay from '/replay.js'; window.replay = replay; window.replayReady = true;</script>`;

/** Starts the server; resolves with its origin and a `close()`. */
export async function startReplayPageServer() {
  return serveScriptPage('/replay.js', await bundleSource('packages/client/src/replay/index.ts'), PAGE);
}

/** Bundles a module of the repository (path from its root) from source into one ES module, for a page. */
export async function bundleSource(entry) {
  const bundle = await build({
    entryPoints: [`${root}${entry}`],
    alias: { '@logwire/protocol': `${root}packages/protocol/src/index.ts` },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return bundle.outputFiles[0].contents;
}

/**
 * Serves `page` at `/` (any query string) and `script` at `scriptPath`, uncached, on 127.0.0.1 and
 * a free port; resolves with the origin and a `close()`.
 */
export async function serveScriptPage(scriptPath, script, page) {
  const server = createServer((request, response) => {
    if (request.url === scriptPath) {
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      response.end(script);
    } else if (request.url === '/' || request.url?.startsWith('/?')) {
      response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
      response.end(page);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        // The browser keeps idle keep-alive connections; do not wait for it to drop them.
        server.closeAllConnections();
      }),
  };
}
