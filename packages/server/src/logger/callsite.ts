/** Where a log call was made, as the seeds report it: module (file name), function and line. */
export interface Callsite {
  module: string;
  function: string;
  line: number;
}

/** Placeholder used when capture is off or the stack cannot be read. */
export const UNKNOWN_CALLSITE: Callsite = Object.freeze({ module: '', function: '', line: 0 });

/**
 * The public log function whose caller is the call site. It is never called: V8 cuts the stack
 * at it, by identity.
 */
export type CallBoundary = (...args: never[]) => unknown;

type Prepare = (error: Error, sites: NodeJS.CallSite[]) => unknown;

/** A frame as V8 captured it; {@link describeFrame} reads module, function and line from it. */
export type CapturedFrame = NodeJS.CallSite;

/** Handed to a source-map aware `prepareStackTrace`, which expects an Error. */
const PROBE = Object.freeze(Object.assign(Object.create(Error.prototype) as Error, { name: 'Error', message: '' }));

const prepareStructured = (_error: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

/**
 * The one object every capture writes its stack to: a fresh object per call would pay for its
 * allocation and for the map transitions V8 makes when it adds the `stack` accessor. It is read
 * right after the capture (nothing else runs in between) and emptied at once, so it never keeps
 * the caller's frame (its function and receiver) alive.
 */
const holder: { stack?: unknown } = {};

/**
 * Captures the frame that called `boundary` (a public log method) with V8's structured CallSite
 * API and a one-frame limit, which costs about a third of formatting and parsing `new Error().stack`.
 * Call it from `boundary` itself: V8 reads every frame above the caller's (the optimized ones
 * through their deoptimization data, the costliest part of the capture), so each function between
 * the two adds to the cost. Never throws; `undefined` when the stack cannot be read.
 */
export function captureFrame(boundary: CallBoundary): CapturedFrame | undefined {
  const limit = Error.stackTraceLimit;
  // A hook slot saved and put back as it is (bound, it would no longer be the same function).
  // eslint-disable-next-line @typescript-eslint/unbound-method -- read to be restored by identity, called without `this`
  const prepare = Error.prepareStackTrace;
  let site: unknown;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = prepareStructured as typeof Error.prepareStackTrace;
    Error.captureStackTrace(holder, boundary);
    const stack = holder.stack;
    site = Array.isArray(stack) ? stack[0] : undefined;
    holder.stack = undefined;
  } catch {
    site = undefined;
  } finally {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
  }
  return typeof site === 'object' && site !== null ? (site as CapturedFrame) : undefined;
}

/**
 * Module, function and line of a captured frame. Positions in compiled code are not the ones in
 * the author's source: when a source-map aware `Error.prepareStackTrace` is installed
 * (source-map-support, test runners), it is asked to format the one frame, so line and module
 * match what stack traces show; that path is slower. Never throws.
 */
export function describeFrame(site: CapturedFrame | undefined): Callsite {
  if (site === undefined) return UNKNOWN_CALLSITE;
  try {
    // Not getMethodName(): it searches the receiver's properties and costs more than the capture.
    const name = site.getFunctionName();
    const fn = name === null || name === '' ? '<anonymous>' : name;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only compared and called without `this`, as V8 does
    const prepare = Error.prepareStackTrace as Prepare | undefined;
    if (prepare !== undefined && mapsSources(prepare)) {
      const mapped = mappedPosition(prepare, site);
      if (mapped !== undefined) return { module: moduleName(mapped.file), function: fn, line: mapped.line };
    }
    return { module: moduleName(site.getFileName() ?? ''), function: fn, line: site.getLineNumber() ?? 0 };
  } catch {
    return UNKNOWN_CALLSITE;
  }
}

/**
 * Whether `prepare` would report other positions than the raw ones: Node's own formatter (which
 * Node 20.20+ exposes as `Error.prepareStackTrace`) only does with `--enable-source-maps`; any
 * other installed formatter (source-map-support, test runners) is assumed to.
 */
function mapsSources(prepare: Prepare): boolean {
  if (prepare.name !== 'ErrorPrepareStackTrace') return true;
  return (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true;
}

/** File and line of `site` as a custom `prepareStackTrace` formats them (`at fn (file:line:col)`). */
function mappedPosition(prepare: Prepare, site: NodeJS.CallSite): { file: string; line: number } | undefined {
  const text = prepare(PROBE, [site]);
  if (typeof text !== 'string') return undefined;
  const last = text.slice(text.lastIndexOf('\n') + 1);
  const match = /\(?([^()\s]+):(\d+):\d+\)?\s*$/.exec(last);
  if (match === null) return undefined;
  return { file: match[1] as string, line: Number(match[2]) };
}

const moduleNames = new Map<string, string>();

/** `file:///app/src/server.ts` → `server`, like Python's `%(module)s`; cached per file. */
function moduleName(file: string): string {
  let name = moduleNames.get(file);
  if (name === undefined) {
    name = baseModuleName(file);
    if (moduleNames.size >= 1024) moduleNames.clear();
    moduleNames.set(file, name);
  }
  return name;
}

function baseModuleName(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  const base = file.slice(slash + 1);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
