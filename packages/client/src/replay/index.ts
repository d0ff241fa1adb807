// The replay buffer and the multi-tab coordinator. Separate from the stream client so that apps
// which do not use them do not load `idb` (the package is side-effect free: unused exports drop out).
export { replay } from './attach.js';
export type { ReplayOptions } from './attach.js';
export { createMemoryReplayBuffer, openReplayBuffer } from './replay-buffer.js';
export { comparePositions, DEFAULT_REPLAY_LIMIT, streamKey } from './core.js';
export { Persistence, ReplayWarningCode } from './types.js';
export type {
  CommittedBatch,
  Position,
  ReplayBatch,
  ReplayBuffer,
  ReplayBufferEvents,
  ReplayBufferOptions,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the old name stays exported for existing imports
  ReplayMessage,
  ReplaySnapshot,
  ReplayWarning,
  StoredEntry,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the old name stays exported for existing imports
  StreamCursor,
} from './types.js';
export { TabCoordinator, TabRole } from './multi-tab.js';
export type { TabCoordinatorEvents, TabCoordinatorOptions } from './multi-tab.js';
export type { AlertCommand } from './tab-messages.js';
