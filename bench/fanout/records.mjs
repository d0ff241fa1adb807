// The record every fan-out benchmark sends: a ~260-byte system_log envelope, as the seeds define it.
export function makeData(i) {
  return {
    timestamp: new Date().toISOString(),
    level: 'INFO',
    logger: 'orchestrator.instance_manager',
    message: `Sent message msg-${i} to instance 97847539-c28b-4976-9d6c-56f7e274ec81`,
    module: 'instance_manager',
    function: 'send_message',
    line: 142,
    instance_id: '97847539',
  };
}

/**
 * The same record as logwire writes for the fan-out producer's log call with call-site capture off
 * (`module` and `function` empty, `line` 0): what the fan-out baselines send, so every mode puts
 * the same record content on the wire. `instance` is the `instance_id` field.
 */
export function makeLoggedData(i, time = Date.now(), instance = INSTANCE) {
  return {
    timestamp: new Date(time).toISOString(),
    level: 'INFO',
    logger: 'orchestrator.instance_manager',
    message: `Sent message msg-${i} to instance 97847539-c28b-4976-9d6c-56f7e274ec81`,
    module: '',
    function: '',
    line: 0,
    instance_id: instance,
  };
}

/** The `instance_id` of measured records (warm-up records carry another, so clients do not count them). */
export const INSTANCE = '97847539';

/** Marker counted by the clients: every record carries it exactly once, whatever the framing. */
export const MARKER = '"instance_id":"97847539"';
export const END = 'bench-end-of-run';

/**
 * Latency histogram bucket of `ms` (negative clock skew counts as 0): buckets are 0.5 % wide, so a
 * quantile read back with {@link bucketValue} is within 0.5 % of the sample, and a minute of
 * latency needs about 3,100 buckets whatever the rate.
 */
export function bucketOf(ms) {
  return Math.floor(Math.log1p(Math.max(0, ms) * 100) * 200);
}

/** The smallest latency (ms) that falls in `bucket`. */
export function bucketValue(bucket) {
  return Math.expm1(bucket / 200) / 100;
}
