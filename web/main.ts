/**
 * The ftlab explorer page. Controls for every parameter of the chosen view (src/explorer/views.ts); on each change
 * the view's theory is recomputed in the browser, in a Web Worker, from ftlab's own modules and drawn in place with the
 * same Vega-Lite spec the CLI renders (src/plots/spec.ts; web/render.ts, web/theory-worker.ts). Simulations run in a Web Worker; stored results come from `ftlab serve`'s
 * read-only API. The state lives in the URL, so a link restores the view.
 */
import { EXPLORER_VIEWS, getView, resolveValues, type ChoiceValues, type ExplorerView, type ParamValues } from '../src/explorer/views.js';
import type { FigureData, Series } from '../src/plots/figure.js';
import type { RunRequest, WorkerMessage } from './worker.js';
import { describeKernels } from './shims/wasm.js';
import { buildControls as buildParamControls, drawFailed, drawSucceeded, resetDrawn, showMessage } from './controls.js';
import { figureDrawn, overlayLinkEntries, overlaySeries, refreshStored, startOverlays, type Overlay } from './overlays.js';
import { wireExports } from './exports.js';
import { plotWidth, renderDescription, specOptions, watchLayout } from './layout.js';
import { LivePlot, type LivePlotStats } from './render.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface State {
  view: ExplorerView;
  params: ParamValues;
  choices: ChoiceValues;
  /** Simulated series for exactly these params (cleared when they change). */
  simulation: Series[];
  /** Stored series overlaid by the user, with the sweep they came from. */
  overlays: Overlay[];
}

const THEORY_GROUP = 'All theory functions (ftlab theory)';
const groupOf = (v: ExplorerView) => (v.id.startsWith('theory:') ? THEORY_GROUP : v.paper);

let state: State;
let currentFigure: FigureData | null = null;
let renderCount = 0;
let worker: Worker | null = null;
let runId = 0;
/** A problem with the link the page was opened with, shown once the first picture is drawn. */
let startupMessage = '';

/** What the tests (and curious users, from the console) can read. */
declare global {
  interface Window {
    ftlab: {
      figure(): FigureData | null;
      renderCount(): number;
      views: string[];
      /** vega.View constructions so far (the plot is otherwise updated in place). */
      viewBuilds(): number;
      /** Theory computations started in the theory worker. */
      theoryRuns(): number;
      /** Milliseconds from the last input event to its painted picture (null before one). */
      lastLatency(): number | null;
      /** The live plot's counters and the last picture's timings (web/render.ts). */
      liveStats(): LivePlotStats;
    };
  }
}
window.ftlab = {
  figure: () => currentFigure,
  renderCount: () => renderCount,
  views: EXPLORER_VIEWS.map((v) => v.id),
  viewBuilds: () => live.stats().viewBuilds,
  theoryRuns: () => live.stats().theoryRuns,
  lastLatency: () => live.stats().lastLatency,
  liveStats: () => live.stats(),
};

// ---------------------------------------------------------------------------------------------------
// URL state

function readUrl(): State {
  const q = new URLSearchParams(location.search);
  let view: ExplorerView;
  try {
    view = getView(q.get('view') ?? EXPLORER_VIEWS[0].id);
  } catch (e) {
    startupMessage = `The link's ${(e as Error).message}; showing ${EXPLORER_VIEWS[0].id} instead.`;
    view = EXPLORER_VIEWS[0];
  }
  const given: Record<string, number> = {};
  const choices: Record<string, string> = {};
  for (const [k, v] of q) {
    if (k.startsWith('p.')) given[k.slice(2)] = Number(v);
    if (k.startsWith('c.')) choices[k.slice(2)] = v;
  }
  const base = { view, simulation: [], overlays: [] };
  try {
    const r = resolveValues(view, given, choices);
    return { ...base, params: r.params, choices: r.choices };
  } catch (e) {
    // Keep the user's values in the controls and say what is wrong; draw the defaults meanwhile.
    startupMessage = `The link's ${(e as Error).message}; showing the defaults instead.`;
    const r = resolveValues(view);
    return { ...base, params: r.params, choices: r.choices };
  }
}

function writeUrl(): void {
  const q = new URLSearchParams();
  q.set('view', state.view.id);
  for (const c of state.view.choices ?? []) q.set(`c.${c.name}`, state.choices[c.name]);
  for (const p of state.view.params) q.set(`p.${p.name}`, String(state.params[p.name]));
  for (const o of overlayLinkEntries()) q.append('o', o);
  history.replaceState(null, '', `${location.pathname}?${q.toString()}`);
  $<HTMLInputElement>('link').value = location.href;
}

// ---------------------------------------------------------------------------------------------------
// Controls

function buildSelectors(): void {
  const paper = $<HTMLSelectElement>('paper');
  const groups = [...new Set(EXPLORER_VIEWS.map(groupOf))];
  paper.replaceChildren(...groups.map((g) => new Option(g, g)));
  paper.value = groupOf(state.view);
  fillViews();
  paper.onchange = () => {
    const first = EXPLORER_VIEWS.find((v) => groupOf(v) === paper.value)!;
    switchView(first);
  };
  $<HTMLSelectElement>('view').onchange = (e) => switchView(getView((e.target as HTMLSelectElement).value));
}

function fillViews(): void {
  const sel = $<HTMLSelectElement>('view');
  sel.replaceChildren(...EXPLORER_VIEWS.filter((v) => groupOf(v) === groupOf(state.view)).map((v) => new Option(v.title, v.id)));
  sel.value = state.view.id;
}

function switchView(view: ExplorerView): void {
  const r = resolveValues(view);
  state = { view, params: r.params, choices: r.choices, simulation: [], overlays: [] };
  resetDrawn();
  $<HTMLSelectElement>('paper').value = groupOf(view);
  fillViews();
  cancelSimulation('');
  buildControls();
  refreshStored();
  update();
}

/** (Re)build the parameter controls of the current view (web/controls.ts). */
function buildControls(): void {
  buildParamControls(state, changed);
  renderDescription(state.view);
}

function changed(): void {
  if (state.simulation.length > 0) $('sim-status').textContent = 'Parameters changed: the simulated points were for the previous values and were removed.';
  state.simulation = [];
  cancelSimulation('');
  scheduleUpdate();
}

// ---------------------------------------------------------------------------------------------------
// Theory and drawing (web/render.ts: the theory runs in a worker, the plot is updated in place)

/** When the input event being handled happened (the latency the page reports starts there); cleared after it. */
let inputAt: number | undefined;
for (const type of ['input', 'change']) {
  document.addEventListener(
    type,
    (e) => {
      inputAt = e.timeStamp;
      setTimeout(() => (inputAt = undefined), 0);
    },
    { capture: true },
  );
}

const live = new LivePlot({
  container: $('plot'),
  extras: (theory) => [...state.simulation, ...overlaySeries(state, theory)],
  specOptions,
  onPainted(fig, _view, input) {
    currentFigure = fig;
    // the link and the controls' note follow the values drawn, not values a newer input has since set
    writeUrl();
    drawSucceeded({ ...state, params: input.params }, typeof fig.provenance.notDrawn === 'string' ? fig.provenance.notDrawn : '');
    if (startupMessage) showMessage(startupMessage); // the link's problem, once, with the first picture
    startupMessage = '';
    renderCount++;
    $('plot').dataset.renderCount = String(renderCount);
    $('plot').setAttribute('aria-label', `${fig.title}: ${fig.series.map((s) => s.name).join(', ')}`);
    figureDrawn();
  },
  onError: (text) => drawFailed(state, new Error(text)), // keep the last valid picture (and its link)
});

/** Redraw for the current state, superseding any pending one (web/render.ts). */
function scheduleUpdate(): void {
  update();
}

function update(): void {
  live.request({ viewId: state.view.id, params: state.params, choices: state.choices, inputAt });
  inputAt = undefined;
}

// ---------------------------------------------------------------------------------------------------
// Simulation (Web Worker)

function runSimulation(): void {
  if (!state.view.simulation) return;
  cancelSimulation('');
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const id = ++runId;
  const request: RunRequest = { viewId: state.view.id, params: { ...state.params }, choices: { ...state.choices }, runId: id };
  const progress = $<HTMLProgressElement>('sim-progress');
  progress.value = 0;
  $('sim-status').textContent = 'Starting…';
  $<HTMLButtonElement>('sim-cancel').disabled = false;
  $<HTMLButtonElement>('sim-run').disabled = true;
  worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
    const m = e.data;
    if (m.runId !== id) return;
    if (m.type === 'progress') {
      progress.max = m.total;
      progress.value = m.done;
      $('sim-status').textContent = `Running: ${m.done} of ${m.total} jobs${m.notConverged ? `, ${m.notConverged} not converged` : ''}`;
    } else if (m.type === 'done') {
      finishWorker();
      progress.value = progress.max;
      state.simulation = m.series as Series[];
      const kernels = describeKernels(m.kernels);
      $('sim-status').textContent = `Done: ${m.total} jobs${m.notConverged ? `, ${m.notConverged} not converged (red crosses)` : ', all converged'}${kernels ? `, ${kernels}` : ''}.`;
      update();
    } else {
      finishWorker();
      $('sim-status').textContent = `Simulation failed: ${m.message}`;
    }
  };
  worker.onerror = (e) => {
    finishWorker();
    $('sim-status').textContent = `Simulation failed: ${e.message}`;
  };
  worker.postMessage(request);
}

function finishWorker(): void {
  worker?.terminate();
  worker = null;
  $<HTMLButtonElement>('sim-cancel').disabled = true;
  $<HTMLButtonElement>('sim-run').disabled = !state.view.simulation;
}

function cancelSimulation(message: string): void {
  if (!worker) return;
  runId++;
  finishWorker();
  $<HTMLProgressElement>('sim-progress').value = 0;
  if (message) $('sim-status').textContent = message;
}

// ---------------------------------------------------------------------------------------------------
// Stored results: web/overlays.ts

// ---------------------------------------------------------------------------------------------------
// Export: web/exports.ts

function wireToolbar(): void {
  wireExports({
    figure: () => currentFigure,
    width: plotWidth,
    info: () => ({
      view: state.view.id,
      title: state.view.title,
      paper: state.view.paper,
      params: { ...state.params },
      choices: { ...state.choices },
      overlays: state.overlays.map((o) => `${o.sweep}:${o.name}`),
    }),
  });
  $('copy-link').onclick = async () => {
    const link = $<HTMLInputElement>('link');
    link.value = location.href;
    try {
      await navigator.clipboard.writeText(location.href);
      showMessage('Link copied.', 'info');
    } catch {
      link.select();
      showMessage('Copy the selected link above.', 'info');
    }
  };
  $('reset').onclick = () => switchView(state.view);
  $('sim-run').onclick = runSimulation;
  $('sim-cancel').onclick = () => cancelSimulation('Cancelled.');
}

state = readUrl();
buildSelectors();
buildControls();
wireToolbar();
startOverlays({ state: () => state, figure: () => currentFigure, redraw: update });
watchLayout(update); // a new width or colour scheme: the same theory (from the plot's recent results), drawn anew
update();
if (startupMessage) showMessage(startupMessage);
