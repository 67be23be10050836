/**
 * The ftlab explorer page. Controls for every parameter of the chosen view (src/explorer/views.ts); on each change
 * the view's theory is recomputed here, in the browser, from ftlab's own modules and drawn with the same Vega-Lite
 * spec the CLI renders (src/plots/spec.ts). Simulations run in a Web Worker; stored results come from `ftlab serve`'s
 * read-only API. The state lives in the URL, so a link restores the view.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { EXPLORER_VIEWS, getView, resolveValues, type ChoiceValues, type ExplorerParam, type ExplorerView, type ParamValues } from '../src/explorer/views.js';
import type { FigureData, Series } from '../src/plots/figure.js';
import { vegaLiteSpec } from '../src/plots/spec.js';
import { rangeProblem } from '../src/validation.js';
import type { RunRequest, WorkerMessage } from './worker.js';
import { figureDrawn, overlayLinkEntries, overlaySeries, refreshStored, startOverlays, type Overlay } from './overlays.js';
import { wireExports } from './exports.js';
import { plotWidth, renderDescription, specOptions, watchLayout } from './layout.js';

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
let vegaView: vega.View | null = null;
let renderCount = 0;
let worker: Worker | null = null;
let runId = 0;
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
  for (const o of overlayLinkEntries()) q.append('o', o);
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
  renderDescription(v);
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
  writeUrl();
  let fig: FigureData;
  try {
    resolveValues(state.view, state.params, state.choices); // same checks as the CLI, across fields too
    fig = state.view.theory(state.params, state.choices);
    showMessage('');
  } catch (e) {
    showMessage(e instanceof Error ? e.message : String(e));
    return; // keep the last valid picture
  }
  fig.series.push(...state.simulation, ...overlaySeries(state, fig));
  currentFigure = fig;
  void draw(fig);
}

async function draw(fig: FigureData): Promise<void> {
  const compiled = vl.compile(vegaLiteSpec(fig, specOptions()) as unknown as vl.TopLevelSpec).spec;
  const next = new vega.View(vega.parse(compiled), { renderer: 'svg', container: '#plot', hover: true });
  vegaView?.finalize();
  vegaView = next;
  await next.runAsync();
  if (vegaView !== next) return;
  renderCount++;
  $('plot').dataset.renderCount = String(renderCount);
  $('plot').setAttribute('aria-label', `${fig.title}: ${fig.series.map((s) => s.name).join(', ')}`);
  figureDrawn();
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
watchLayout(() => {
  if (currentFigure) void draw(currentFigure);
});
update();
if (startupMessage) showMessage(startupMessage);
