import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';

// OTLP/HTTP export through the OpenTelemetry SDK, against a real receiver on port 0 that decodes
// the JSON bodies the exporter sends (ExportLogsServiceRequest).

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpRecord {
  severityNumber?: number;
  severityText?: string;
  body?: OtlpValue;
  attributes?: { key: string; value: OtlpValue }[];
  traceId?: string;
  spanId?: string;
}

interface Receiver {
  url: string;
  records: OtlpRecord[];
  headers: http.IncomingHttpHeaders[];
  /** Status answered to the next requests. */
  status: number;
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const state: Receiver = { url: '', records: [], headers: [], status: 200, close: async () => {} };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.headers.push(request.headers);
      if (state.status === 200) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceLogs: { scopeLogs: { logRecords: OtlpRecord[] }[] }[];
        };
        for (const resource of body.resourceLogs) for (const scope of resource.scopeLogs) state.records.push(...scope.logRecords);
      }
      response.writeHead(state.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

const attribute = (record: OtlpRecord, key: string): unknown => {
  const value = record.attributes?.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? (value?.boolValue ?? value?.doubleValue) : Number(value.intValue));
};

let logwire: Logwire | undefined;
let collector: Receiver | undefined;
afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  await collector?.close();
  collector = undefined;
});

describe('export.otlp', () => {
  it('sends system and audit records, redacted, with severity, body, attributes and trace/span ids', async () => {
    collector = await receiver();
    logwire = createLogwire({
      export: { otlp: { url: collector.url, headers: { authorization: 'Bearer t0ken' }, scheduledDelayMillis: 50 } },
    });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const spanId = 'b7ad6b7169203331';
    logwire.getLogger('app').error('payment failed', { order: 42, password: 'hunter2', trace_id: traceId, span_id: spanId });
    logwire.audit('user.login', { user: 'ada' });
    await until(() => collector!.records.length >= 2, 'two records at the receiver');
    const [system, audit] = collector.records as [OtlpRecord, OtlpRecord];
    expect(system).toMatchObject({ severityNumber: 17, severityText: 'ERROR', body: { stringValue: 'payment failed' }, traceId, spanId });
    expect(attribute(system, 'order')).toBe(42);
    expect(attribute(system, 'logger')).toBe('app');
    expect(attribute(system, 'logwire.type')).toBe('system');
    expect(attribute(system, 'password')).toBe('[REDACTED]');
    expect(JSON.stringify(collector.records)).not.toContain('hunter2');
    expect(audit).toMatchObject({ severityText: 'INFO' });
    expect(attribute(audit, 'logwire.type')).toBe('audit');
    expect(attribute(audit, 'action')).toBe('user.login');
    expect(collector.headers[0]).toMatchObject({ authorization: 'Bearer t0ken', 'content-type': 'application/json' });
    await until(() => logwire!.otlp!.exported === 2, 'the exporter to count both records as exported');
  });

  it('holds at most maxQueueSize records while the collector refuses them, counts the drops, then sends a gap record', async () => {
    collector = await receiver();
    collector.status = 400;
    const errors: unknown[] = [];
    logwire = createLogwire({
      export: { otlp: { url: collector.url, maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 50 } },
      onError: (error) => errors.push(error),
    });
    const log = logwire.getLogger('app');
    for (let i = 0; i < 50; i++) log.info('while down', { i });
    logwire.hub.flush();
    // Beyond the bound at once: 40 dropped without waiting for the network.
    expect(logwire.otlp!.dropped).toBe(40);
    await until(() => logwire!.otlp!.dropped === 50, 'the refused batch to be counted as dropped');
    expect(errors.filter((error) => String(error).includes('OTLP export is dropping records'))).toHaveLength(1);
    collector.status = 200;
    log.info('back');
    await until(() => collector!.records.some((record) => attribute(record, 'logwire.type') === 'export_gap'), 'the gap record');
    const gap = collector.records.find((record) => attribute(record, 'logwire.type') === 'export_gap')!;
    expect(attribute(gap, 'logwire.dropped')).toBe(50);
    expect(collector.records.map((record) => record.body?.stringValue)).toContain('back');
  });

  it('refuses a missing url', () => {
    expect(() => createLogwire({ export: { otlp: { url: 'collector:4318' } } })).toThrow('export.otlp.url');
  });
});
