// Moved to test/helpers/replay-page-server.mjs, which tests and bench/replay import. This old path
// only re-exports it; remove it once nothing imports it.
export * from '../../test/helpers/replay-page-server.mjs';
