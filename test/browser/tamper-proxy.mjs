// A real WebSocket proxy for browser tests: the page connects to it, it connects to a logwire
// server and forwards every frame both ways, rewriting the server's frames on the way (e.g. one
// audit entry's text, to show that the audit panel flags an entry altered in transit). `drop()`
// closes every proxied connection (the page's client then reconnects and resumes).
import { WebSocket, WebSocketServer } from 'ws';

/** Starts a proxy to `target` (a ws:// URL) that applies `replace` ([from, to] pairs) to server frames. */
export async function startTamperProxy(target, replace = []) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const pairs = new Set();
  wss.on('connection', (client, request) => {
    const upstream = new WebSocket(target, request.headers['sec-websocket-protocol']?.split(/,\s*/) ?? [], {
      headers: { origin: request.headers.origin ?? 'http://127.0.0.1' },
    });
    const pending = [];
    const pair = { client, upstream };
    pairs.add(pair);
    upstream.on('open', () => {
      for (const frame of pending.splice(0)) upstream.send(frame);
    });
    upstream.on('message', (data) => {
      let text = data.toString();
      for (const [from, to] of replace) text = text.split(from).join(to);
      if (client.readyState === WebSocket.OPEN) client.send(text);
    });
    client.on('message', (data) => {
      const text = data.toString();
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else pending.push(text);
    });
    const end = () => {
      pairs.delete(pair);
      client.terminate();
      upstream.terminate();
    };
    upstream.on('close', end);
    upstream.on('error', end);
    client.on('close', end);
    client.on('error', end);
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}/ws/logs`,
    drop: () => {
      for (const { client, upstream } of [...pairs]) {
        client.terminate();
        upstream.terminate();
      }
    },
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
