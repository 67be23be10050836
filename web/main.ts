/**
 * The ftlab explorer page. Controls for every parameter of the chosen view (src/explorer/views.ts); on each change
 * the view's theory is recomputed here, in the browser, from ftlab's own modules and drawn with the same Vega-Lite
 * spec the CLI renders (src/plots/spec.ts). Simulations run in a Web Worker; stored results come from `ftlab serve`'s
 * read-only API. The state lives in the URL, so a link restores the view.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { EXPLORER_VIEWS, getView, resolveValues, type ChoiceValues, type ExplorerView, type ParamValues } from '../src/explorer/views.js';
import { figureToCsv, reviveNonFinite, type FigureData, type Series } from '../src/plots/figure.js';
import { vegaLiteSpec } from '../src/plots/spec.js';
import type { RunRequest, WorkerMessage } from './worker.js';
import { describeKernels } from './shims/wasm.js';
import { buildControls as buildParamControls, drawFailed, drawSucceeded, resetDrawn, showMessage } from './controls.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface State {
  view: ExplorerView;
  params: ParamValues;
  choices: ChoiceValues;
  /** Simulated series for exactly these params (cleared when they change). */
  simulation: Series[];
  /** Stored series overlaid by the user, with the sweep they came from. */
  overlays: { sweep: string; series: Series }[];
}

const THEORY_GROUP = 'All theory functions (ftlab theory)';
const groupOf = (v: ExplorerView) => (v.id.startsWith('theory:') ? THEORY_GROUP : v.paper);

let state: State;
let currentFigure: FigureData | null = null;
let vegaView: vega.View | null = null;
let renderCount = 0;
let worker: Worker | null = null;
let runId = 0;
let storedFigure: FigureData | null = null;
/** A problem with the link the page was opened with, shown once the first picture is drawn. */
let startupMessage = '';

/** What the tests (and curious users, from the console) can read. */
declare global {
  interface Window {
    ftlab: { figure(): FigureData | null; renderCount(): number; views: string[] };
  }
}
window.ftlab = { figure: () => currentFigure, renderCount: () => renderCount, views: EXPLORER_VIEWS.map((v) => v.id) };

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
}

function changed(): void {
  if (state.simulation.length > 0) $('sim-status').textContent = 'Parameters changed: the simulated points were for the previous values and were removed.';
  state.simulation = [];
  cancelSimulation('');
  scheduleUpdate();
}

let pending = false;
function scheduleUpdate(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    update();
  });
}

// ---------------------------------------------------------------------------------------------------
// Theory and drawing

function update(): void {
  let fig: FigureData;
  try {
    resolveValues(state.view, state.params, state.choices); // same checks as the CLI, across fields too
    fig = state.view.theory(state.params, state.choices);
  } catch (e) {
    drawFailed(state, e);
    return; // keep the last valid picture (and its link)
  }
  writeUrl();
  drawSucceeded(state, typeof fig.provenance.notDrawn === 'string' ? fig.provenance.notDrawn : '');
  fig.series.push(...state.simulation, ...state.overlays.map((o) => o.series));
  currentFigure = fig;
  void draw(fig);
}

async function draw(fig: FigureData): Promise<void> {
  const compiled = vl.compile(vegaLiteSpec(fig) as unknown as vl.TopLevelSpec).spec;
  const next = new vega.View(vega.parse(compiled), { renderer: 'svg', container: '#plot', hover: true });
  vegaView?.finalize();
  vegaView = next;
  await next.runAsync();
  if (vegaView !== next) return;
  renderCount++;
  $('plot').dataset.renderCount = String(renderCount);
  $('plot').setAttribute('aria-label', `${fig.title}: ${fig.series.map((s) => s.name).join(', ')}`);
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
// Stored results (ftlab serve's read-only API)

interface SweepInfo {
  name: string;
  spec: { figure?: string } | null;
  jobs: number;
  done: number;
}

async function refreshStored(): Promise<void> {
  const sel = $<HTMLSelectElement>('sweep');
  const status = $('stored-status');
  sel.replaceChildren();
  $<HTMLSelectElement>('stored-series').replaceChildren();
  storedFigure = null;
  if (import.meta.env.MODE === 'site') {
    // The static site (`npm run build:site`) has no server behind it, hence no output folder to read.
    status.textContent = 'Stored results are not available in the static site (it has no output folder). To overlay results of `ftlab reproduce`, open the explorer with `ftlab serve --out <folder>`.';
    for (const id of ['sweep', 'stored-series', 'overlay-add', 'overlay-clear']) $<HTMLButtonElement | HTMLSelectElement>(id).disabled = true;
    return;
  }
  let sweeps: SweepInfo[];
  try {
    const r = await fetch('./api/sweeps');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    sweeps = (await r.json()) as SweepInfo[];
  } catch {
    status.textContent = 'No output folder is being served (start the page with `ftlab serve --out <folder>`).';
    return;
  }
  const figures = sweeps.filter((s) => s.spec && typeof s.spec.figure === 'string');
  const matching = figures.filter((s) => state.view.presets?.includes(s.spec!.figure!));
  const list = matching.length > 0 ? matching : figures;
  if (list.length === 0) {
    status.textContent = 'The output folder holds no `ftlab reproduce` results yet.';
    return;
  }
  status.textContent = matching.length > 0 ? `${matching.length} stored sweep(s) of this figure.` : 'No stored sweep of this figure; showing all.';
  sel.append(...list.map((s) => new Option(`${s.name} (${s.done}/${s.jobs} jobs)`, s.name)));
  sel.onchange = () => void loadSweep(sel.value);
  await loadSweep(list[0].name);
}

async function loadSweep(name: string): Promise<void> {
  const status = $('stored-status');
  const seriesSel = $<HTMLSelectElement>('stored-series');
  seriesSel.replaceChildren();
  try {
    const r = await fetch(`./api/figure?sweep=${encodeURIComponent(name)}`);
    const body = (await r.json()) as FigureData | { error: string };
    if (!r.ok || 'error' in body) throw new Error('error' in body ? body.error : `HTTP ${r.status}`);
    storedFigure = reviveNonFinite(body);
  } catch (e) {
    status.textContent = `Could not read sweep ${name}: ${(e as Error).message}`;
    return;
  }
  const sims = storedFigure.series.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === 'simulation' && s.style !== 'heatmap');
  seriesSel.append(...sims.map(({ s, i }) => new Option(s.name, String(i))));
  if (sims.length === 0) status.textContent = `Sweep ${name} has no simulated series to overlay.`;
}

function addOverlay(): void {
  const idx = Number($<HTMLSelectElement>('stored-series').value);
  const sweep = $<HTMLSelectElement>('sweep').value;
  const s = storedFigure?.series[idx];
  if (!s) return;
  state.overlays.push({ sweep, series: { ...s, name: `stored: ${s.name}`, group: `stored: ${s.name}`, panel: undefined } });
  $('stored-status').textContent = `Overlaid ${s.name} from ${sweep} (${s.x.values.length} points).`;
  update();
}

// ---------------------------------------------------------------------------------------------------
// Export

function download(name: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

function wireToolbar(): void {
  const base = () => state.view.id.replace(/[^A-Za-z0-9_-]+/g, '-');
  $('download-svg').onclick = async () => {
    if (!vegaView) return;
    const svg = await vegaView.toSVG();
    download(`${base()}.svg`, URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' })));
  };
  $('download-png').onclick = async () => {
    if (!vegaView) return;
    download(`${base()}.png`, await vegaView.toImageURL('png', 2));
  };
  $('download-csv').onclick = () => {
    if (!currentFigure) return;
    download(`${base()}.csv`, URL.createObjectURL(new Blob([figureToCsv(currentFigure)], { type: 'text/csv' })));
  };
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
  $('overlay-add').onclick = addOverlay;
  $('overlay-clear').onclick = () => {
    state.overlays = [];
    $('stored-status').textContent = 'Overlays cleared.';
    update();
  };
}

state = readUrl();
buildSelectors();
buildControls();
wireToolbar();
void refreshStored();
update();
if (startupMessage) showMessage(startupMessage);
