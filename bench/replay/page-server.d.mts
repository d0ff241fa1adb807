export * from '../../test/helpers/replay-page-server.mjs';
