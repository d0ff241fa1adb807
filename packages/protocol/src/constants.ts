/** Path of the log stream endpoint, as in the seeds. */
export const DEFAULT_WS_PATH = '/ws/logs';

/** Other paths served by the same endpoint (the seeds' dashboard used `/ws/monitor`). */
export const WS_PATH_ALIASES: readonly string[] = ['/ws/monitor'];
