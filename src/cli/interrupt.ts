/**
 * Ctrl-C (SIGINT) and SIGTERM while the CLI runs a sweep. The first signal aborts the returned
 * AbortSignal: the runner dispatches nothing more and stores the jobs already running, and the command
 * reports what is stored, how to resume, and exits 128 + the signal's number (130, 143). A second
 * signal exits at once with that code, after `onForcedExit` (which restores the terminal).
 */
import { constants } from 'node:os';

/** A watch on SIGINT and SIGTERM for the duration of one command. */
export interface Interruption {
  /** Aborted by the first signal; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** The exit code for the signal received: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
  exitCode(): number;
  /** Stop watching (the default handlers apply again). */
  dispose(): void;
}

const WATCHED = ['SIGINT', 'SIGTERM'] as const;

/** Start watching SIGINT and SIGTERM; the first aborts, a second runs `onForcedExit` and exits. */
export function watchInterruptions(onForcedExit: () => void): Interruption {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const codeOf = (s: NodeJS.Signals) => 128 + constants.signals[s];
  const handler = (s: NodeJS.Signals) => {
    if (received !== undefined) {
      onForcedExit();
      process.stderr.write(`\nstopped at once (${s})\n`);
      process.exit(codeOf(received));
    }
    received = s;
    process.stderr.write(`\n${s}: stopping; no new jobs start, and jobs that finish are still stored (press Ctrl-C again to stop at once)\n`);
    controller.abort(s);
  };
  for (const s of WATCHED) process.on(s, handler);
  return {
    signal: controller.signal,
    exitCode: () => (received === undefined ? 0 : codeOf(received)),
    dispose: () => {
      for (const s of WATCHED) process.off(s, handler);
    },
  };
}
