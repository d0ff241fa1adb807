export interface Stage {
  name: string;
  ok: boolean;
  seconds: number;
  note?: string;
}
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  /** The failed tests, `file › test: first line of the error`. */
  failures?: string[];
}
/** The closing summary of `npm test`: one line per stage, the totals (`N passed, N failed`) last. */
export function summarize(
  stages: Stage[],
  counts: Record<string, Counts | undefined>,
): { passed: number; failed: number; skipped: number; lines: string[] };
