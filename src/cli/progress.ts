/**
 * Progress display on stderr: a live bar on a terminal, periodic plain lines otherwise (logs, CI).
 * `stop()` may be called more than once (on every exit path, including a forced exit on a second
 * Ctrl-C); on a terminal it shows the cursor the bar hid.
 */
import cliProgress from 'cli-progress';
import type { RunProgress } from '../experiments/runner.js';

export interface ProgressSink {
  update(p: RunProgress): void;
  stop(): void;
}

export function createProgress(label: string, enabled = true): ProgressSink {
  if (!enabled) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {percentage}% | {value}/{total} jobs | {cached} cached | {byOthers} by others | {failed} failed | {notConverged} not converged | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const todo = p.total - p.cached;
        const payload = { cached: p.cached, byOthers: p.byOthers, failed: p.failed, notConverged: p.notConverged };
        if (!started) {
          bar.start(Math.max(todo, 0), 0, payload);
          started = true;
        }
        bar.update(p.done + p.failed + p.byOthers, payload);
      },
      stop() {
        if (started) bar.stop(); // writes ESC[?25h: the cursor is shown again
        started = false;
      },
    };
  }
  let lastPrint = 0;
  let last: RunProgress | undefined;
  const print = (p: RunProgress) =>
    process.stderr.write(`${label}: ${p.done + p.failed + p.byOthers}/${p.total - p.cached} jobs (${p.cached} cached, ${p.byOthers ? `${p.byOthers} by another process, ` : ''}${p.failed} failed, ${p.notConverged} not converged)\n`);
  return {
    update(p) {
      last = p;
      const now = Date.now();
      if (now - lastPrint > 5000 || p.done + p.failed + p.byOthers === 0) {
        lastPrint = now;
        print(p);
      }
    },
    stop() {
      if (last) print(last);
      last = undefined;
    },
  };
}
