/** Flags for headless runs on servers and CI containers (no sandbox, no background network). */
export const CHROMIUM_ARGS: string[];
/** Path of a Chromium executable: `CHROME_PATH` if set, else the first one installed. */
export function findChromium(): string | undefined;
