export { RedisBackplane, toFrame, toGapFrame, toStreamMessage } from './backplane.js';
export type { BackplaneEvents, RedisBackplaneOptions } from './backplane.js';
export type {
  BackplaneGapReason,
  BackplaneEntry,
  BackplaneMetrics,
  BackplaneRecord,
  BatchHandler,
  Gap,
  RangeResult,
  ReadBatch,
} from './types.js';
export { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';
