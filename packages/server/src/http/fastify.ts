import type { IncomingMessage, ServerResponse } from 'node:http';
import { runOwned } from '../context/request-context.js';
import { RequestTracker, type RequestLoggerOptions, type RequestSink } from './request-logger.js';

/** The parts of a Fastify request the plugin reads (typed here so the server package needs no Fastify types). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string | undefined } | undefined;
}

interface FastifyReplyLike {
  raw: ServerResponse;
}

type HookDone = (error?: Error) => void;

/** The part of a Fastify instance the plugin uses. */
export interface FastifyHooks {
  addHook(name: 'onRequest' | 'preHandler', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: HookDone) => void): unknown;
  addHook(name: 'onError', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, error: Error, done: HookDone) => void): unknown;
}

/** `logwire.fastify`: register it with `app.register(logwire.fastify, options)`. */
export interface FastifyRequestLogger {
  (instance: FastifyHooks, options: RequestLoggerOptions, done: (error?: Error) => void): void;
}

/**
 * The Fastify plugin: one record per request (onRequest starts it, the response's end writes it),
 * the request context entered for hooks and handler (re-entered in preHandler, after the body is
 * read), errors of handlers put on the record (onError). It marks itself with
 * `Symbol.for('skip-override')`, the convention `fastify-plugin` uses, so its hooks cover the whole
 * app without a runtime dependency on `fastify-plugin`.
 */
export function createFastifyPlugin(sink: RequestSink): FastifyRequestLogger {
  const plugin: FastifyRequestLogger = (instance, options, done) => {
    let tracker: RequestTracker;
    try {
      tracker = new RequestTracker(sink, options);
    } catch (error) {
      done(error as Error);
      return;
    }
    instance.addHook('onRequest', (request, reply, next) => {
      const state = tracker.start(request.raw, reply.raw);
      if (state === undefined) {
        next();
        return;
      }
      state.route = request.routeOptions?.url;
      runOwned(state.context, () => next());
    });
    instance.addHook('preHandler', (request, _reply, next) => {
      const state = tracker.stateOf(request.raw);
      if (state === undefined) next();
      else runOwned(state.context, () => next());
    });
    instance.addHook('onError', (request, _reply, error, next) => {
      const state = tracker.stateOf(request.raw);
      if (state !== undefined) state.error = error;
      next();
    });
    done();
  };
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: 'logwire' });
  return plugin;
}
