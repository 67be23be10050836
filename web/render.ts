/**
 * The explorer's live plot: asks the theory worker (theory-worker.ts) for a view's figure and draws it with the
 * Vega-Lite spec the CLI renders (src/plots/spec.ts), without blocking the page.
 *
 * Theory: at most one computation runs in the worker and at most one more waits (the latest input; intermediate ones
 * are dropped), so a drag never queues work. A result that is stale when it arrives is not drawn. A computation that
 * has run for longer than ABANDON_MS when a newer input arrives is abandoned: the worker is terminated and a fresh one
 * takes the newer request at once. While the latest input is being computed the plot keeps its last picture and,
 * after BUSY_MS, says "computing…" (and is aria-busy). Recent results are kept, so returning to values seen a moment
 * ago (or redrawing with new overlays) needs no computation.
 *
 * Drawing: one vega.View is kept while the figure's structure (its Vega-Lite spec apart from the data rows) stays the
 * same, and only its data are replaced (view.data + runAsync); the spec is compiled anew only when the structure
 * changes (other series, panels, axes or baked-in scale domains).
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ChoiceValues, ParamValues } from '../src/explorer/views.js';
import type { FigureData, Series } from '../src/plots/figure.js';
import { vegaLiteSpec, type SpecOptions } from '../src/plots/spec.js';
import type { TheoryReply, TheoryRequest } from './theory-worker.js';

/** A computation running for longer than this (ms) is abandoned when a newer input supersedes it. */
export const ABANDON_MS = 1000;
/** The "computing…" note appears when the latest input has waited this long (ms) for its picture. */
export const BUSY_MS = 120;
/** How many recent theory results are kept (keyed by view, parameters and choices). */
const CACHE_SIZE = 24;
/** The name of the data set the compiled spec reads its rows from. */
const DATA = 'table';

/** What the page wants drawn: a view at some values. */
export interface TheoryInput {
  viewId: string;
  params: ParamValues;
  choices: ChoiceValues;
  /** When the input event that led to this request happened (performance.now() clock), if one did. */
  inputAt?: number;
}

/** How the live plot talks back to the page. */
export interface LivePlotOptions {
  /** The plot's box; the Vega view and the "computing…" note are placed inside it. */
  container: HTMLElement;
  /** Series drawn on top of `theory` (simulated points, stored overlays in its axes), read when a picture is drawn. */
  extras(theory: FigureData): Series[];
  /** Options of the figure spec at drawing time (the plot's width, the colour scheme). */
  specOptions?(): SpecOptions;
  /** A picture was drawn (after its frame): the figure shown, including the extras, the Vega view, and the values drawn. */
  onPainted(figure: FigureData, view: vega.View, input: TheoryInput): void;
  /** The latest values have no picture (a rejected value, a theory that did not converge): why. */
  onError(message: string): void;
}

/** Counters the tests and the benchmark read. */
export interface LivePlotStats {
  /** vega.View constructions (compiles of the spec). */
  viewBuilds: number;
  /** Theory computations started in the worker. */
  theoryRuns: number;
  /** Workers terminated because their computation was superseded. */
  abandoned: number;
  /** Milliseconds from the last input event to the painted picture it led to (null before the first). */
  lastLatency: number | null;
  /** How many pictures have had their frame painted (each updates lastLatency when an input led to it). */
  latencies: number;
  /** Of the last picture computed in the worker: the theory's own time and the round trip to the worker (ms). */
  lastTheoryMs: number | null;
  lastRoundTripMs: number | null;
  /** Of the last picture: building the spec and running the Vega view (ms), and then waiting for the frame. */
  lastDrawMs: number | null;
  lastFrameMs: number | null;
  /** Of the last picture: from the input event's time stamp to the page's request (ms; event delivery). */
  lastInputToRequestMs: number | null;
}

const keyOf = (r: TheoryInput) => JSON.stringify([r.viewId, r.params, r.choices]);

/** After the next frame has been painted. */
const afterPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** The live plot of the explorer page (see the module comment). */
export class LivePlot {
  private worker: Worker | null = null;
  private seq = 0;
  private latest: (TheoryInput & { id: number; key: string }) | null = null;
  private inFlight: { id: number; key: string; startedAt: number } | null = null;
  private queued: (TheoryInput & { id: number; key: string }) | null = null;
  private readonly cache = new Map<string, FigureData>();
  private busyTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly host: HTMLDivElement;
  private readonly busy: HTMLDivElement;
  private view: vega.View | null = null;
  private structure = '';
  private drawing: Promise<void> = Promise.resolve();
  private readonly counters: LivePlotStats = { viewBuilds: 0, theoryRuns: 0, abandoned: 0, lastLatency: null, latencies: 0, lastTheoryMs: null, lastRoundTripMs: null, lastDrawMs: null, lastFrameMs: null, lastInputToRequestMs: null };

  constructor(private readonly options: LivePlotOptions) {
    const c = options.container;
    this.host = document.createElement('div');
    this.host.className = 'plot-view';
    this.busy = document.createElement('div');
    this.busy.className = 'plot-busy';
    this.busy.textContent = 'computing…';
    this.busy.hidden = true;
    this.busy.setAttribute('role', 'status');
    c.replaceChildren(this.host, this.busy);
  }

  /** The counters (a copy). */
  stats(): LivePlotStats {
    return { ...this.counters };
  }

  /** The Vega view on screen (null before the first picture). */
  currentView(): vega.View | null {
    return this.view;
  }

  /** Draw the view at these values: from the recent results if there, else computed in the worker. */
  request(input: TheoryInput): void {
    const r = { ...input, params: { ...input.params }, choices: { ...input.choices }, id: ++this.seq, key: keyOf(input) };
    this.latest = r;
    if (input.inputAt !== undefined) this.counters.lastInputToRequestMs = performance.now() - input.inputAt;
    const cached = this.cache.get(r.key);
    if (cached) {
      this.queued = null;
      this.settle();
      this.paint(r.id, cached, r.inputAt);
      return;
    }
    this.markBusy();
    if (!this.inFlight) {
      this.start(r);
      return;
    }
    if (performance.now() - this.inFlight.startedAt > ABANDON_MS) {
      // A long computation for values the user has left: drop it (a worker cannot be interrupted otherwise).
      this.counters.abandoned++;
      this.stopWorker();
      this.start(r);
      return;
    }
    this.queued = r;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./theory-worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<TheoryReply>) => this.receive(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      const id = this.inFlight?.id;
      this.stopWorker();
      if (id !== undefined && id === this.latest?.id) {
        this.settle();
        this.options.onError(`The theory could not be computed: ${e.message || 'the worker failed'}`);
      }
      this.next();
    };
    this.worker = w;
    return w;
  }

  private stopWorker(): void {
    this.worker?.terminate();
    this.worker = null;
    this.inFlight = null;
  }

  private start(r: TheoryInput & { id: number; key: string }): void {
    this.inFlight = { id: r.id, key: r.key, startedAt: performance.now() };
    this.counters.theoryRuns++;
    const message: TheoryRequest = { id: r.id, viewId: r.viewId, params: r.params, choices: r.choices };
    this.ensureWorker().postMessage(message);
  }

  private next(): void {
    const q = this.queued;
    this.queued = null;
    if (q && q.id === this.latest?.id) this.start(q);
  }

  private receive(m: TheoryReply): void {
    if (!this.inFlight || m.id !== this.inFlight.id) return; // from a worker already given up
    const key = this.inFlight.key;
    if (m.type === 'figure') {
      this.counters.lastTheoryMs = m.ms;
      this.counters.lastRoundTripMs = performance.now() - this.inFlight.startedAt;
    }
    this.inFlight = null;
    const isLatest = m.id === this.latest?.id;
    if (m.type === 'figure') {
      this.cache.delete(key);
      this.cache.set(key, m.figure);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    this.next();
    if (!isLatest) return; // stale: a newer input is being (or was) drawn
    this.settle();
    if (m.type === 'error') this.options.onError(m.message);
    else this.paint(m.id, m.figure, this.latest?.inputAt);
  }

  private markBusy(): void {
    this.options.container.setAttribute('aria-busy', 'true');
    if (this.busyTimer === null) {
      this.busyTimer = setTimeout(() => {
        this.busyTimer = null;
        if (this.options.container.getAttribute('aria-busy') === 'true') this.busy.hidden = false;
      }, BUSY_MS);
    }
  }

  private settle(): void {
    this.options.container.removeAttribute('aria-busy');
    this.busy.hidden = true;
    if (this.busyTimer !== null) clearTimeout(this.busyTimer);
    this.busyTimer = null;
  }

  /** Draw a theory figure with the page's extras on top, unless a newer request has arrived meanwhile. */
  private paint(id: number, theory: FigureData, inputAt: number | undefined): void {
    this.drawing = this.drawing.then(async () => {
      const input = this.latest;
      if (!input || id !== input.id) return;
      const fig: FigureData = { ...theory, series: [...theory.series, ...this.options.extras(theory)] };
      try {
        const t0 = performance.now();
        const view = await this.draw(fig);
        const t1 = performance.now();
        this.counters.lastDrawMs = t1 - t0;
        this.options.onPainted(fig, view, input);
        // The latency ends after the frame that shows the picture; the next picture need not wait for it.
        void afterPaint().then(() => {
          this.counters.lastFrameMs = performance.now() - t1;
          if (inputAt !== undefined) this.counters.lastLatency = performance.now() - inputAt;
          this.counters.latencies++;
        });
      } catch (e) {
        this.options.onError(e instanceof Error ? e.message : String(e));
      }
    });
  }

  /** Update the Vega view's data in place, or build a new view when the spec's structure changed. */
  private async draw(fig: FigureData): Promise<vega.View> {
    const { data, ...rest } = vegaLiteSpec(fig, this.options.specOptions?.());
    const rows = (data as { values: unknown[] }).values;
    const spec = { ...rest, data: { name: DATA } };
    const structure = JSON.stringify(spec);
    if (!this.view || structure !== this.structure) {
      const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
      const next = new vega.View(vega.parse(compiled), { renderer: 'svg', container: this.host, hover: true });
      this.counters.viewBuilds++;
      this.view?.finalize();
      this.view = next;
      this.structure = structure;
    }
    const view = this.view;
    view.data(DATA, rows);
    await view.runAsync();
    return view;
  }
}
