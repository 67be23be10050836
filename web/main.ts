/**
 * The ftlab explorer page. Controls for every parameter of the chosen view (src/explorer/views.ts); on each change
 * the view's theory is recomputed in the browser, in a Web Worker, from ftlab's own modules and drawn in place with the
 * same Vega-Lite spec the CLI renders (src/plots/spec.ts; web/render.ts, web/theory-worker.ts). Simulations run in a Web Worker; stored results come from `ftlab serve`'s
 * read-only API. The state lives in the URL, so a link restores the view.
 */
import type * as vega from 'vega';
import { EXPLORER_VIEWS, getView, resolveValues, type ChoiceValues, type ExplorerParam, type ExplorerView, type ParamValues } from '../src/explorer/views.js';
import { figureToCsv, reviveNonFinite, type FigureData, type Series } from '../src/plots/figure.js';
import { rangeProblem } from '../src/validation.js';
import type { RunRequest, WorkerMessage } from './worker.js';
import { LivePlot, type LivePlotStats } from './render.js';

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
  history.replaceState(null, '', `${location.pathname}?${q.toString()}`);
  $<HTMLInputElement>('link').value = location.href;
}

// ---------------------------------------------------------------------------------------------------
// Controls

function showMessage(text: string, kind: 'error' | 'info' = 'error'): void {
  const m = $('message');
  m.textContent = text;
  m.className = kind;
}

const sliderToValue = (p: ExplorerParam, s: number) => (p.log ? 10 ** s : s);
const valueToSlider = (p: ExplorerParam, v: number) => (p.log ? Math.log10(Math.max(v, p.min)) : v);
const roundForDisplay = (p: ExplorerParam, v: number) => (p.integer ? Math.round(v) : Number(v.toPrecision(6)));

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
  $<HTMLSelectElement>('paper').value = groupOf(view);
  fillViews();
  cancelSimulation('');
  buildControls();
  refreshStored();
  update();
}

/** A control's box (class `className`) and its label for the input `forId`. */
function labelledBox(className: string, forId: string, text: string): [HTMLDivElement, HTMLLabelElement] {
  const div = document.createElement('div');
  div.className = className;
  const label = document.createElement('label');
  label.htmlFor = forId;
  label.textContent = text;
  return [div, label];
}

function buildControls(): void {
  const form = $('controls');
  const v = state.view;
  $('description').textContent = v.description;
  const nodes: HTMLElement[] = [];
  for (const c of v.choices ?? []) {
    const [div, label] = labelledBox('field', `c-${c.name}`, c.label);
    const sel = document.createElement('select');
    sel.id = `c-${c.name}`;
    sel.append(...c.options.map((o) => new Option(o, o)));
    sel.value = state.choices[c.name];
    sel.onchange = () => {
      state.choices[c.name] = sel.value;
      Object.assign(state.params, v.choiceDefaults?.(state.choices) ?? {});
      buildControls();
      changed();
    };
    div.append(label, sel);
    nodes.push(div);
  }
  for (const p of v.params) {
    const [div, label] = labelledBox('param', `n-${p.name}`, p.label);
    const row = document.createElement('div');
    row.className = 'row';
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.id = `p-${p.name}`;
    slider.setAttribute('aria-label', `${p.label} slider`);
    const lo = p.log ? Math.log10(p.min) : p.min;
    const hi = p.log ? Math.log10(p.max) : p.max;
    const wide = Math.abs(hi - lo) > 1e6; // x-range inputs of theory views: number box only
    slider.min = String(lo);
    slider.max = String(hi);
    slider.step = String(p.integer && !p.log ? 1 : (p.step ?? (hi - lo) / 200));
    slider.value = String(valueToSlider(p, state.params[p.name]));
    const num = document.createElement('input');
    num.type = 'number';
    num.id = `n-${p.name}`;
    num.step = 'any';
    num.value = String(roundForDisplay(p, state.params[p.name]));
    const help = document.createElement('div');
    help.className = 'help';
    help.id = `h-${p.name}`;
    help.textContent = wide ? p.description : `${p.description}; ${p.integer ? 'an integer' : 'a number'} in [${p.min}, ${p.max}]`;
    num.setAttribute('aria-describedby', help.id);
    slider.oninput = () => {
      const value = p.integer ? Math.round(sliderToValue(p, Number(slider.value))) : roundForDisplay(p, sliderToValue(p, Number(slider.value)));
      num.value = String(value);
      num.removeAttribute('aria-invalid');
      setParam(p, value);
    };
    num.onchange = () => {
      const value = Number(num.value);
      const problem = num.value.trim() === '' ? `expected ${p.integer ? 'an integer' : 'a number'} in [${p.min}, ${p.max}] (got nothing)` : rangeProblem(p, value);
      if (problem) {
        num.setAttribute('aria-invalid', 'true');
        showMessage(`${p.name}: ${problem}`);
        return;
      }
      num.removeAttribute('aria-invalid');
      slider.value = String(valueToSlider(p, value));
      setParam(p, value);
    };
    if (!wide) row.append(slider);
    row.append(num);
    div.append(label, row, help);
    nodes.push(div);
  }
  form.replaceChildren(...nodes);
  const sim = state.view.simulation;
  $('sim-label').textContent = sim ? sim.label : 'This view has no simulation (theory only).';
  $<HTMLButtonElement>('sim-run').disabled = !sim;
}

function setParam(p: ExplorerParam, value: number): void {
  state.params[p.name] = value;
  changed();
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
  extras: () => [...state.simulation, ...state.overlays.map((o) => o.series)],
  onPainted(fig, view) {
    showMessage(startupMessage); // the link's problem, once, with the first picture; else no message
    startupMessage = '';
    currentFigure = fig;
    vegaView = view;
    renderCount++;
    $('plot').dataset.renderCount = String(renderCount);
    $('plot').setAttribute('aria-label', `${fig.title}: ${fig.series.map((s) => s.name).join(', ')}`);
  },
  onError: (text) => showMessage(text), // keep the last valid picture
});

let urlPending = false;
/** Redraw for the current state (superseding any pending one); the URL follows once per frame. */
function scheduleUpdate(): void {
  update();
}

function update(): void {
  if (!urlPending) {
    urlPending = true;
    requestAnimationFrame(() => {
      urlPending = false;
      writeUrl();
    });
  }
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
      $('sim-status').textContent = `Done: ${m.total} jobs${m.notConverged ? `, ${m.notConverged} not converged (red crosses)` : ', all converged'}.`;
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
