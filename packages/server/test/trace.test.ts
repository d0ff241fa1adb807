import { createServer } from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createLogwire, LogwireError, type Logwire, pinoDestination } from '../src/index.js';
import { closeServer, listen, recordsOf, send } from './request-helpers.js';

const exporter = new InMemorySpanExporter();
let logwire: Logwire | undefined;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});

afterAll(() => {
  trace.disable();
  context.disable();
});

afterEach(async () => {
  exporter.reset();
  await logwire?.close();
  logwire = undefined;
});

describe('OpenTelemetry trace ids', () => {
  it('records logged inside an active span carry its trace_id and span_id; outside, none', async () => {
    const lw = createLogwire({ callsite: false, workers: false });
    logwire = lw;
    const records = recordsOf(lw);
    const log = lw.getLogger('app');
    log.info('outside');
    await trace.getTracer('test').startActiveSpan('work', async (span) => {
      await new Promise((resolve) => setImmediate(resolve));
      log.info('inside', { step: 1 });
      lw.audit('work.done', { n: 1 });
      span.end();
    });
    const [finished] = exporter.getFinishedSpans();
    const ids = finished!.spanContext();
    const system = await records.wait(2, 'app');
    expect(system[0]).not.toHaveProperty('trace_id');
    expect(system[1]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, step: 1 });
    const [auditRecord] = await records.wait(1, 'audit');
    expect(auditRecord!['metadata']).toEqual({ trace_id: ids.traceId, span_id: ids.spanId, n: 1 });
  });

  it("writes seed 003's X-Ray form with traceIdFormat: 'xray', and the request record takes the span's trace and span ids", async () => {
    const lw = createLogwire({ callsite: false, workers: false, traceIdFormat: 'xray' });
    logwire = lw;
    const records = recordsOf(lw);
    const requests = lw.http();
    const tracer = trace.getTracer('test');
    const server = createServer((req, res) =>
      tracer.startActiveSpan('request', (span) =>
        requests(req, res, () => {
          lw.getLogger('app').info('handling');
          res.end('ok');
          span.end();
        }),
      ),
    );
    const base = await listen(server);
    try {
      await send(base);
      const [finished] = exporter.getFinishedSpans();
      const { traceId, spanId } = finished!.spanContext();
      const xray = `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
      const [inside] = await records.wait(1, 'app');
      expect(inside).toMatchObject({ trace_id: xray, span_id: spanId });
      const [request] = await records.wait(1);
      expect(request!['trace_id']).toBe(xray);
      expect(request!['span_id']).toBe(spanId);
    } finally {
      await closeServer(server);
    }
  });

  it("gives a pino line the ids of the span active when pino wrote it, though it is formatted after the span's turn", async () => {
    const lw = createLogwire({ callsite: false, workers: false, traceIdFormat: 'xray' });
    logwire = lw;
    const records = recordsOf(lw);
    const destination = pinoDestination(lw);
    const log = pino({ name: 'app' }, destination);
    const tracer = trace.getTracer('test');
    tracer.startActiveSpan('first', (span) => {
      log.info('in the first span');
      span.end();
    });
    tracer.startActiveSpan('second', (span) => {
      log.info('in the second span');
      // Formatted here, inside the second span: the first line keeps the first span's ids.
      destination.flush();
      span.end();
    });
    const [first, second] = exporter.getFinishedSpans().map((span) => span.spanContext());
    const xray = (traceId: string) => `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
    const lines = await records.wait(2, 'app');
    expect(lines[0]).toMatchObject({ message: 'in the first span', trace_id: xray(first!.traceId), span_id: first!.spanId });
    expect(lines[1]).toMatchObject({ message: 'in the second span', trace_id: xray(second!.traceId), span_id: second!.spanId });
  });

  it('refuses an unknown traceIdFormat', () => {
    expect(() => createLogwire({ workers: false, traceIdFormat: 'b3' as 'w3c' })).toThrow(LogwireError);
  });
});
