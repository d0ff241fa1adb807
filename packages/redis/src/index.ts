export { RedisBackplane, toFrame, toStreamMessage } from './backplane.js';
export type { BackplaneEvents, RedisBackplaneOptions } from './backplane.js';
export { GapReason } from './types.js';
export type { BackplaneEntry, BackplaneMetrics, BackplaneRecord, BatchHandler, Gap, RangeResult, ReadBatch } from './types.js';
export { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';
