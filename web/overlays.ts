/**
 * Stored results on the explorer's plot: the simulated series of the `ftlab reproduce` sweeps in the served output
 * folder (`/api/sweeps`, `/api/figure`), offered only where they belong on the view — the same quantities on the
 * axes (θ in degrees is converted to the view's radians) and the same fixed parameters as the view's current values
 * (d, α, σ, …, read from the series' own `params`). An overlay whose parameters stop matching when the user moves a
 * control stays drawn but says so, in its legend entry and in a warning above the plot. The same series cannot be
 * added twice. Overlays are part of the link (`o=<sweep>:<series name>`) and are fetched again when a link is opened.
 */
import { reviveNonFinite, type FigureData, type Series } from '../src/plots/figure.js';
import type { ChoiceValues, ExplorerView, ParamValues } from '../src/explorer/views.js';

/** A stored series drawn on the view, with where it came from and its fixed parameters in the view's terms. */
export interface Overlay {
  sweep: string;
  /** The series' name in its sweep's figure. */
  name: string;
  /** The series as stored (drawn in the view's axis units). */
  series: Series;
  /** The view's parameters and choices as the stored series fixes them. */
  values: Record<string, number | string>;
}

/** The page state the overlays read and change. */
export interface OverlayState {
  view: ExplorerView;
  params: ParamValues;
  choices: ChoiceValues;
  overlays: Overlay[];
}

/** What the stored-results panel needs from the page. */
export interface OverlayContext {
  state(): OverlayState;
  /** The figure last computed for the page (its theory series tell the view's axes). */
  figure(): FigureData | null;
  /** Recompute and draw the figure (after an overlay is added or removed). */
  redraw(): void;
}

interface SweepInfo {
  name: string;
  spec: { figure?: string } | null;
  jobs: number;
  done: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// ---------------------------------------------------------------------------------------------------
// Matching a stored series to the view

/** The quantity an axis name stands for: the text before its unit or definition ("θ (degrees)" → "θ", "γ = n/d" → "γ"). */
export function axisQuantity(name: string): string {
  return name.split(/\s*[=(]/)[0].trim();
}
const unitOf = (name: string) => /\((degrees|radians)\)/.exec(name)?.[1];

/** The first value under `key` anywhere in `obj` (depth first). */
function findKey(obj: unknown, key: string, depth = 0): unknown {
  if (depth > 8 || obj === null || typeof obj !== 'object') return undefined;
  if (!Array.isArray(obj) && key in obj) return (obj as Record<string, unknown>)[key];
  for (const v of Object.values(obj)) {
    const found = findKey(v, key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The view's parameters and choices as the stored series fixes them (read from its `params` under the same names,
 * with the few derived ones the curated views use), and a reason when the series is of another setting altogether.
 */
export function storedValues(view: ExplorerView, s: Series): { values: Record<string, number | string>; problem?: string } {
  const values: Record<string, number | string> = {};
  for (const p of view.params) {
    const v = findKey(s.params, p.name);
    if (typeof v === 'number') values[p.name] = v;
  }
  for (const c of view.choices ?? []) {
    const v = findKey(s.params, c.name);
    if (typeof v === 'string') values[c.name] = v;
  }
  let problem: string | undefined;
  switch (view.id) {
    case 'shachaf-risk': {
      const spectrum = findKey(s.params, 'spectrum') as { kind?: string } | undefined;
      if (spectrum?.kind && spectrum.kind !== 'isotropic') problem = `${spectrum.kind} input covariance (this view has isotropic inputs)`;
      const teachers = findKey(s.params, 'teachers') as { kind?: string } | undefined;
      if (teachers?.kind && teachers.kind !== 'scaled') problem = `teachers of kind ${teachers.kind} (this view has θ_T = αθ_S + εξ)`;
      break;
    }
    case 'tahir-phase': {
      const procedure = /T_ft/.test(s.name) ? 'fine-tuning' : /T_lt/.test(s.name) ? 'linear transfer' : undefined;
      if (procedure) values.procedure = procedure;
      if (procedure === 'fine-tuning') delete values.lambda; // no ridge in fine-tuning
      break;
    }
    case 'tahir-slice': {
      const theta = findKey(s.params, 'theta');
      if (typeof theta === 'number') values.thetaDeg = (theta * 180) / Math.PI;
      break;
    }
    case 'anguita-replica': {
      const lambdaPT = findKey(s.params, 'lambdaPT');
      const cPT = findKey(s.params, 'cPT');
      if (typeof lambdaPT === 'number' && typeof cPT === 'number' && cPT > 0) values.lambdaRatio = lambdaPT / cPT;
      break;
    }
  }
  return { values, problem };
}

const fmt = (v: number | string) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : v);
const same = (a: number | string, b: number | string | undefined) =>
  typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) : a === b;

/** The fixed parameters of an overlay that differ from the view's current values. */
export function mismatches(values: Record<string, number | string>, params: ParamValues, choices: ChoiceValues): { name: string; stored: string; view: string }[] {
  const out: { name: string; stored: string; view: string }[] = [];
  for (const [name, v] of Object.entries(values)) {
    const current = name in params ? params[name] : choices[name];
    if (current === undefined) continue;
    // A ridge only matters for linear transfer.
    if (name === 'lambda' && choices.procedure === 'fine-tuning') continue;
    if (!same(v, current)) out.push({ name, stored: fmt(v), view: fmt(current) });
  }
  return out;
}

interface Axes {
  curves: Set<string>;
  maps: Set<string>;
  /** The view's axis names by quantity (to rename and convert a stored axis). */
  names: Map<string, string>;
}

/** The axes of a view's figure: "x|y" of its curves and "x|y|z" of its maps, by quantity. */
function axesOf(fig: FigureData): Axes {
  const axes: Axes = { curves: new Set(), maps: new Set(), names: new Map() };
  for (const s of fig.series) {
    if (s.kind !== 'theory') continue;
    const x = axisQuantity(s.x.name);
    const y = axisQuantity(s.y.name);
    axes.names.set(x, s.x.name);
    axes.names.set(y, s.y.name);
    if (s.style === 'heatmap') axes.maps.add(`${x}|${y}|${axisQuantity(s.z?.name ?? '')}`);
    else if (s.style !== 'contour') axes.curves.add(`${x}|${y}`);
  }
  return axes;
}

/** Why a stored series does not belong on the view's axes, or undefined when it does. */
function axisProblem(s: Series, axes: Axes): string | undefined {
  const x = axisQuantity(s.x.name);
  const y = axisQuantity(s.y.name);
  if (s.style === 'heatmap') return axes.maps.has(`${x}|${y}|${axisQuantity(s.z?.name ?? '')}`) ? undefined : `a map of ${s.z?.name ?? 'z'} over (${s.x.name}, ${s.y.name})`;
  if (s.style === 'contour') return 'a contour';
  return axes.curves.has(`${x}|${y}`) ? undefined : `${s.y.name} against ${s.x.name}`;
}

/** The series with its x axis in the view's unit and name (θ in degrees → radians). */
function toViewAxes(s: Series, axes: Axes): Series {
  const viewX = axes.names.get(axisQuantity(s.x.name)) ?? s.x.name;
  const viewY = axes.names.get(axisQuantity(s.y.name)) ?? s.y.name;
  const factor = unitOf(s.x.name) === 'degrees' && unitOf(viewX) === 'radians' ? Math.PI / 180 : unitOf(s.x.name) === 'radians' && unitOf(viewX) === 'degrees' ? 180 / Math.PI : 1;
  return { ...s, x: { name: viewX, values: s.x.values.map((v) => v * factor) }, y: { ...s.y, name: viewY } };
}

// ---------------------------------------------------------------------------------------------------
// The panel

let ctx: OverlayContext;
let sweeps: SweepInfo[] = [];
const figures = new Map<string, Promise<FigureData>>();
/** Overlays named by the link the page was opened with, not yet fetched. */
let pending: string[] = [];
/** The figure of the chosen sweep, and its series that fit the view. */
let chosen: { sweep: string; figure: FigureData } | null = null;
let lastAxesKey = '';

const keyOf = (sweep: string, name: string) => `${sweep}:${name}`;

/** What the link's overlays could not restore: kept in front of the panel's status until the view changes. */
let linkNote = '';

function status(text: string): void {
  $('stored-status').textContent = [linkNote, text].filter(Boolean).join(' ');
}

function fetchFigure(name: string): Promise<FigureData> {
  let f = figures.get(name);
  if (!f) {
    f = (async () => {
      const r = await fetch(`./api/figure?sweep=${encodeURIComponent(name)}`);
      const body = (await r.json()) as FigureData | { error: string };
      if (!r.ok || 'error' in body) throw new Error('error' in body ? body.error : `HTTP ${r.status}`);
      return reviveNonFinite(body);
    })();
    f.catch(() => figures.delete(name));
    figures.set(name, f);
  }
  return f;
}

/** The link entries of the overlays (and of those still being fetched from the link). */
export function overlayLinkEntries(): string[] {
  const st = ctx?.state();
  return [...(st?.overlays.map((o) => keyOf(o.sweep, o.name)) ?? []), ...pending];
}

function currentAxes(): Axes | null {
  const fig = ctx.figure();
  return fig && fig.figure === ctx.state().view.id ? axesOf(fig) : null;
}

/** Fill the series list with the chosen sweep's simulated series that fit the view now. */
function fillSeries(): void {
  const sel = $<HTMLSelectElement>('stored-series');
  sel.replaceChildren();
  $<HTMLButtonElement>('overlay-add').disabled = true;
  if (!chosen) return;
  const axes = currentAxes();
  if (!axes) {
    status('Waiting for the view’s figure…');
    return;
  }
  const st = ctx.state();
  const sims = chosen.figure.series.filter((s) => s.kind === 'simulation');
  const fits: Series[] = [];
  const reasons = new Map<string, number>();
  const note = (why: string) => reasons.set(why, (reasons.get(why) ?? 0) + 1);
  for (const s of sims) {
    const ax = axisProblem(s, axes);
    if (ax) {
      note(`other axes (${ax})`);
      continue;
    }
    const { values, problem } = storedValues(st.view, s);
    if (problem) {
      note(problem);
      continue;
    }
    const diff = mismatches(values, st.params, st.choices);
    if (diff.length > 0) {
      note(`other parameters (${diff.map((d) => `${d.name} = ${d.stored}`).join(', ')})`);
      continue;
    }
    fits.push(s);
  }
  sel.append(...fits.map((s) => new Option(s.name, s.name)));
  $<HTMLButtonElement>('overlay-add').disabled = fits.length === 0;
  const left = [...reasons].map(([why, n]) => `${n} with ${why}`).join('; ');
  const head = fits.length > 0 ? `${fits.length} simulated series of ${chosen.sweep} fit this view at these parameters.` : `No simulated series of ${chosen.sweep} fits this view at these parameters.`;
  status(left ? `${head} Not offered: ${left}.` : head);
}

async function chooseSweep(name: string): Promise<void> {
  chosen = null;
  fillSeries();
  status(`Reading ${name}…`);
  try {
    const figure = await fetchFigure(name);
    if ($<HTMLSelectElement>('sweep').value !== name) return;
    chosen = { sweep: name, figure };
  } catch (e) {
    status(`Could not read sweep ${name}: ${(e as Error).message}`);
    return;
  }
  fillSeries();
}

/** The overlay of series `s` of sweep `sweep`. */
function makeOverlay(sweep: string, s: Series): Overlay {
  return { sweep, name: s.name, series: s, values: storedValues(ctx.state().view, s).values };
}

function addChosen(): void {
  const name = $<HTMLSelectElement>('stored-series').value;
  const s = chosen?.figure.series.find((x) => x.name === name);
  if (!chosen || !s) return;
  const st = ctx.state();
  if (st.overlays.some((o) => o.sweep === chosen!.sweep && o.name === name)) {
    status(`${name} from ${chosen.sweep} is already on the plot; it is not added twice.`);
    return;
  }
  st.overlays.push(makeOverlay(chosen.sweep, s));
  status(`Overlaid ${name} from ${chosen.sweep} (${s.x.values.length} points).`);
  ctx.redraw();
}

/** Read the sweeps of the output folder and offer those of the view's figures first. */
async function loadSweeps(): Promise<boolean> {
  const sel = $<HTMLSelectElement>('sweep');
  sel.replaceChildren();
  chosen = null;
  fillSeries();
  if (import.meta.env.MODE === 'site') {
    // The static site (`npm run build:site`) has no server behind it, hence no output folder to read.
    sweeps = [];
    status('Stored results are not available in the static site (it has no output folder). To overlay results of `ftlab reproduce`, open the explorer with `ftlab serve --out <folder>`.');
    for (const id of ['sweep', 'stored-series', 'overlay-add', 'overlay-clear']) $<HTMLButtonElement | HTMLSelectElement>(id).disabled = true;
    return false;
  }
  try {
    const r = await fetch('./api/sweeps');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    sweeps = ((await r.json()) as SweepInfo[]).filter((s) => s.spec && typeof s.spec.figure === 'string');
  } catch {
    sweeps = [];
    status('No output folder is being served (start the page with `ftlab serve --out <folder>`).');
    return false;
  }
  if (sweeps.length === 0) {
    status('The output folder holds no `ftlab reproduce` results yet.');
    return false;
  }
  const view = ctx.state().view;
  const mine = sweeps.filter((s) => view.presets?.includes(s.spec!.figure!));
  const list = [...mine, ...sweeps.filter((s) => !mine.includes(s))];
  sel.append(...list.map((s) => new Option(`${s.name} (${s.done}/${s.jobs} jobs)`, s.name)));
  sel.onchange = () => void chooseSweep(sel.value);
  void chooseSweep(list[0].name);
  return true;
}

/** Fetch the overlays a link names; say which could not be found. */
async function restorePending(): Promise<void> {
  const problems: string[] = [];
  for (const entry of [...pending]) {
    const sweep = sweeps.map((s) => s.name).filter((n) => entry.startsWith(`${n}:`)).sort((a, b) => b.length - a.length)[0];
    try {
      if (!sweep) throw new Error('no such sweep in this output folder');
      const name = entry.slice(sweep.length + 1);
      const s = (await fetchFigure(sweep)).series.find((x) => x.name === name && x.kind === 'simulation');
      if (!s) throw new Error(`sweep ${sweep} has no simulated series named ${JSON.stringify(name)}`);
      const st = ctx.state();
      if (!st.overlays.some((o) => o.sweep === sweep && o.name === name)) {
        st.overlays.push(makeOverlay(sweep, s));
      }
    } catch (e) {
      problems.push(`o: the link's overlay ${JSON.stringify(entry)} could not be restored: ${(e as Error).message}`);
    }
    pending = pending.filter((p) => p !== entry);
  }
  linkNote = problems.join(' ');
  if (problems.length > 0) status('');
  ctx.redraw();
}

/**
 * The series of the overlays to draw on `fig` (the view's theory), in its axis units, each named "stored: <name>"
 * plus what differs from the view's values ("(d = 100, view has d = 300)"); writes the warning above the plot.
 */
export function overlaySeries(st: OverlayState, fig: FigureData): Series[] {
  const warnings: string[] = [];
  const axes = axesOf(fig);
  const out = st.overlays.map((o) => {
    const diff = mismatches(o.values, st.params, st.choices);
    const suffix = diff.length > 0 ? ` (${diff.map((d) => `${d.name} = ${d.stored}`).join(', ')}, view has ${diff.map((d) => `${d.name} = ${d.view}`).join(', ')})` : '';
    if (diff.length > 0) warnings.push(`“${o.name}” was stored at ${diff.map((d) => `${d.name} = ${d.stored}`).join(', ')}; the view now has ${diff.map((d) => `${d.name} = ${d.view}`).join(', ')}.`);
    const label = `stored: ${o.name}${suffix}`;
    const map = o.series.style === 'heatmap';
    return { ...toViewAxes(o.series, axes), name: label, group: label, panel: map ? label : undefined };
  });
  const w = document.getElementById('overlay-warning');
  if (w) w.textContent = warnings.length > 0 ? `Overlay does not match the view: ${warnings.join(' ')}` : '';
  return out;
}

/** Called after each figure is drawn: the first figure of a view tells its axes, which the series list needs. */
export function figureDrawn(): void {
  const fig = ctx?.figure();
  const st = ctx?.state();
  if (!fig || !st) return;
  const key = `${fig.figure}|${JSON.stringify(st.params)}|${JSON.stringify(st.choices)}`;
  if (key === lastAxesKey) return;
  lastAxesKey = key;
  if (chosen) fillSeries();
}

/** A new view: drop the link's pending overlays and offer the sweeps again. */
export function refreshStored(): void {
  pending = [];
  linkNote = '';
  void loadSweeps();
}

/** Wire the stored-results panel; restore the overlays named by the link (`o=` entries). */
export function startOverlays(context: OverlayContext): void {
  ctx = context;
  pending = new URLSearchParams(location.search).getAll('o');
  $('overlay-add').onclick = addChosen;
  $('overlay-clear').onclick = () => {
    ctx.state().overlays = [];
    status('Overlays cleared.');
    ctx.redraw();
  };
  void loadSweeps().then((ok) => {
    if (pending.length === 0) return;
    if (!ok) {
      pending = [];
      status('o: the link names stored overlays, but no output folder with `ftlab reproduce` results is being served.');
      ctx.redraw();
      return;
    }
    void restorePending();
  });
}
