// An OpenTelemetry SDK registered after logwire has looked for spans (the API alone, without an SDK,
// never has an active span, and logwire skips its look-up then) is still seen.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogwire } from '../src/index.js';
import { recordsOf } from './request-helpers.js';

afterAll(() => {
  trace.disable();
  context.disable();
});

describe('OpenTelemetry registered late', () => {
  it('records carry no trace ids before an SDK is registered, and the active span’s ids after', async () => {
    const lw = createLogwire({ callsite: false, workers: false, console: false });
    try {
      const records = recordsOf(lw);
      const log = lw.getLogger('app');
      const tracer = trace.getTracer('test');
      log.info('no sdk');
      tracer.startActiveSpan('unregistered', (span) => {
        log.info('no sdk, in a span');
        span.end();
      });
      const exporter = new InMemorySpanExporter();
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
      tracer.startActiveSpan('registered', (span) => {
        log.info('sdk, in a span');
        span.end();
      });
      const [finished] = exporter.getFinishedSpans();
      const ids = finished!.spanContext();
      const [first, second, third] = await records.wait(3, 'app');
      expect(first).not.toHaveProperty('trace_id');
      expect(second).not.toHaveProperty('trace_id');
      expect(third).toMatchObject({ message: 'sdk, in a span', trace_id: ids.traceId, span_id: ids.spanId });
    } finally {
      await lw.close();
    }
  });
});
