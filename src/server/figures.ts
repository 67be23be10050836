/**
 * The figures `ftlab serve` rebuilds from stored sweeps, built off the event loop and cached.
 *
 * Builds run in one worker thread (src/server/figureWorker.ts), one at a time, so the server keeps answering files
 * and other requests while a figure is built. Each figure is cached by its sweep and the state of the results
 * database, read from SQLite's `PRAGMA data_version` on a read-only connection held open for the purpose (it changes
 * whenever another connection commits, WAL included) and the database file's identity (a replaced file starts a new
 * generation). A request for a figure whose state is unchanged is answered from the cache; identical requests that
 * arrive while it is being built share that build; a request after new results are stored builds again.
 */
import type { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, STORE_FILE, type Store } from '../store/store.js';
import { startModuleWorker } from '../experiments/pool.js';

/** A build request sent to the figure worker. */
export interface FigureRequest {
  id: number;
  outDir: string;
  sweep: string;
}

/** The figure worker's answer: the figure as JSON text, or the build's error (`range`: a RangeError, the user's mistake). */
export type FigureReply = { id: number; ok: true; body: string } | { id: number; ok: false; message: string; range: boolean };

/** How a figure was obtained: from the cache, by a new build, or by joining a build already under way. */
export type CacheOutcome = 'hit' | 'miss' | 'shared';

/** A figure as JSON text and how it was obtained. */
export interface FigureAnswer {
  body: string;
  cache: CacheOutcome;
}

interface Waiter {
  resolve: (body: string) => void;
  reject: (err: Error) => void;
}

/** Stored-sweep figures of one output folder, built in a worker thread and cached by sweep and store state. */
export class FigureBuilds {
  private worker: { thread: Worker; waiting: Map<number, Waiter> } | undefined;
  private nextId = 1;
  private readonly cache = new Map<string, { state: string; body: string }>();
  private readonly building = new Map<string, Promise<string>>();
  private store: Store | undefined;
  private storeFile = '';
  private generation = 0;

  /** @param maxEntries how many sweeps' figures are kept (the least recently used goes first). */
  constructor(
    private readonly outDir: string,
    private readonly maxEntries = 16,
  ) {}

  /**
   * The state of the results database: equal strings mean no commit in between. Undefined if the folder has no
   * database.
   */
  storeState(): string | undefined {
    let file: string;
    try {
      const st = statSync(join(this.outDir, STORE_FILE));
      file = `${st.dev}:${st.ino}`;
    } catch {
      this.closeStore();
      return undefined;
    }
    if (!this.store || file !== this.storeFile) {
      this.closeStore();
      this.store = openStore(this.outDir, { readonly: true });
      this.storeFile = file;
      this.generation++;
    }
    return `${this.generation}.${this.store.dataVersion()}`;
  }

  /** The figure of sweep `name` as JSON text; rejects with a RangeError for an unknown or non-`reproduce` sweep. */
  async get(name: string): Promise<FigureAnswer> {
    const state = this.storeState();
    if (state === undefined) throw new RangeError('sweep: this output folder has no results database');
    const cached = this.cache.get(name);
    if (cached && cached.state === state) {
      this.cache.delete(name);
      this.cache.set(name, cached);
      return { body: cached.body, cache: 'hit' };
    }
    const key = `${state}\0${name}`;
    const pending = this.building.get(key);
    if (pending) return { body: await pending, cache: 'shared' };
    const build = this.build(name)
      .then((body) => {
        this.remember(name, state, body);
        return body;
      })
      .finally(() => this.building.delete(key));
    this.building.set(key, build);
    return { body: await build, cache: 'miss' };
  }

  /** Stop the worker (pending builds fail) and close the database connection. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.closeStore();
    if (w) await w.thread.terminate();
  }

  private remember(name: string, state: string, body: string): void {
    this.cache.delete(name);
    this.cache.set(name, { state, body });
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.maxEntries) break;
      this.cache.delete(oldest);
    }
  }

  private build(sweep: string): Promise<string> {
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      worker.waiting.set(id, { resolve, reject });
      worker.thread.postMessage({ id, outDir: this.outDir, sweep } satisfies FigureRequest);
    });
  }

  private spawn(): { thread: Worker; waiting: Map<number, Waiter> } {
    const worker = { thread: startModuleWorker(import.meta.url, 'figureWorker'), waiting: new Map<number, Waiter>() };
    const { thread, waiting } = worker;
    thread.unref();
    thread.on('message', (r: FigureReply) => {
      const p = waiting.get(r.id);
      if (!p) return;
      waiting.delete(r.id);
      if (r.ok) p.resolve(r.body);
      else p.reject(r.range ? new RangeError(r.message) : new Error(r.message));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of waiting.values()) p.reject(err);
      waiting.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`the figure builder stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private closeStore(): void {
    this.store?.close();
    this.store = undefined;
    this.storeFile = '';
  }
}
