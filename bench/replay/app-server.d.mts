export * from '../../test/helpers/replay-app-server.mjs';
