import { withoutContext } from './context/request-context.js';

/**
 * Work done once at the end of the event-loop turn in which it was scheduled: the hub's delivery,
 * the console sink's write. Every task of the server package shares ONE `setImmediate` per turn
 * instead of one each. The tasks run in the order they were first scheduled in the turn (the order
 * separate immediates would run them in); a task scheduled while the tasks run waits for the next
 * turn, as a `setImmediate` called from an immediate would.
 *
 * The immediate is created, and the tasks run, outside the request context (`withoutContext`): no
 * request's fields reach the flushes, and the context's async hook, off meanwhile unless another
 * AsyncLocalStorage needs it, never sees the immediate or what the flushes create. Once the request
 * context is in use, that hook runs for every async resource created, and its property accesses
 * turned megamorphic when immediates were among the resources: under cachegrind the whole server
 * counted ~3k instructions per logged request fewer this way (bench/request-logging-server-instructions.mjs).
 */
export class EndOfTurnTask {
  /** The tasks of the coming turn end, in the order they were scheduled. */
  static #queue: EndOfTurnTask[] = [];

  readonly #run: () => void;
  /** In the queue: scheduling again before it runs adds nothing. */
  #queued = false;

  /** `run` is called once per turn end for which the task was scheduled. */
  constructor(run: () => void) {
    this.#run = run;
  }

  /**
   * Runs the task at the end of the current turn, once however often it is scheduled until then.
   * Calling the work directly beforehand (an early flush) does not cancel it: the task should find
   * nothing left to do.
   */
  schedule(): void {
    if (this.#queued) return;
    this.#queued = true;
    if (EndOfTurnTask.#queue.push(this) === 1) withoutContext(EndOfTurnTask.#arm);
  }

  static #arm(this: void): void {
    setImmediate(EndOfTurnTask.#runQueue);
  }

  /** Runs the queued tasks; one that throws does not keep the others from running, and its error is rethrown after them. */
  static #runQueue(this: void): void {
    withoutContext(EndOfTurnTask.#runTasks);
  }

  static #runTasks(this: void): void {
    const tasks = EndOfTurnTask.#queue;
    EndOfTurnTask.#queue = [];
    let failure: { error: unknown } | undefined;
    for (const task of tasks) {
      task.#queued = false;
      try {
        task.#run();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
