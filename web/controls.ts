/**
 * The explorer page's parameter controls: a choice list per view choice and, per parameter, a slider over its
 * typical range (log10 where that spans decades; bounded by the other fields' values; src/explorer/sliders.ts) beside
 * a number box that accepts the whole allowed range. The parameter plotted on x gives way to the x range's boxes.
 * A box the page refused stays flagged until fixed, and the message area says which values the picture shows.
 */
import type { ChoiceValues, ExplorerParam, ExplorerView, ParamValues } from '../src/explorer/views.js';
import { positionToValue, sliderScale, valueToPosition, type SliderScale } from '../src/explorer/sliders.js';
import { rangeProblem } from '../src/validation.js';

/** What the controls read and change: the view and its current values (the page's state). */
export interface ControlsState {
  view: ExplorerView;
  params: ParamValues;
  choices: ChoiceValues;
}

interface Control {
  p: ExplorerParam;
  num: HTMLInputElement;
  slider?: HTMLInputElement;
  scale?: SliderScale;
  /** The value the slider last started from (set at build time and by the box): its position gives it back exactly. */
  start: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let controls: Control[] = [];
/** Boxes whose value the page refused: parameter → the CLI's message. */
const rejected = new Map<string, string>();
/** Boxes named by the last failed draw (a rule across fields, or the theory's own check). */
const blamed = new Set<string>();
/** The values of the picture on screen (null before the first). */
let drawn: ParamValues | null = null;

/** Show `text` in the message area (empty: clear it). */
export function showMessage(text: string, kind: 'error' | 'info' = 'error'): void {
  const m = $('message');
  m.textContent = text;
  m.className = kind;
}

const roundForDisplay = (p: ExplorerParam, v: number) => (p.integer ? Math.round(v) : Number(v.toPrecision(6)));
const expected = (p: ExplorerParam) => `expected ${p.integer ? 'an integer' : 'a number'} in [${p.min}, ${p.max}]`;
const shown = (name: string, v: number) => `${name} = ${Number(v.toPrecision(6))}`;

/** A control's box (class `className`) and its label for the input `forId`. */
function labelledBox(className: string, forId: string, text: string): [HTMLDivElement, HTMLLabelElement] {
  const div = document.createElement('div');
  div.className = className;
  const label = document.createElement('label');
  label.htmlFor = forId;
  label.textContent = text;
  return [div, label];
}

/** Build the controls of `state.view` at `state`'s values; `changed` runs after each accepted change. */
export function buildControls(state: ControlsState, changed: () => void): void {
  const form = $('controls');
  const v = state.view;
  rejected.clear();
  blamed.clear();
  controls = [];
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
      buildControls(state, changed);
      changed();
    };
    div.append(label, sel);
    nodes.push(div);
  }
  const xName = v.xAxis?.param(state.choices);
  const xParam = v.params.find((q) => q.name === xName);
  for (const p of v.params) {
    if (p.name === xName) continue; // drawn along x: its range is set by the x-range boxes
    const isRangeEnd = xParam !== undefined && (p.name === v.xAxis!.from || p.name === v.xAxis!.to);
    const [div, label] = labelledBox('param', `n-${p.name}`, isRangeEnd ? `${p.label} (${xParam.name})` : p.label);
    const row = document.createElement('div');
    row.className = 'row';
    const num = document.createElement('input');
    num.type = 'number';
    num.id = `n-${p.name}`;
    num.step = 'any';
    num.value = String(roundForDisplay(p, state.params[p.name]));
    const help = document.createElement('div');
    help.className = 'help';
    help.id = `h-${p.name}`;
    help.textContent = isRangeEnd
      ? `${p.name === v.xAxis!.from ? 'start' : 'end'} of the x range: ${xParam.description}; ${expected(xParam).slice('expected '.length)}`
      : `${p.description}; ${expected(p).slice('expected '.length)}`;
    num.setAttribute('aria-describedby', help.id);
    const control: Control = { p, num, start: state.params[p.name] };
    if (!p.boxOnly) {
      const slider = document.createElement('input');
      slider.type = 'range';
      slider.id = `p-${p.name}`;
      slider.setAttribute('aria-label', `${p.label} slider`);
      slider.min = '0';
      slider.step = '1';
      slider.oninput = () => {
        const value = positionToValue(control.scale!, Number(slider.value), [control.start, p.default]);
        num.value = String(roundForDisplay(p, value));
        accept(control);
        setParam(state, p, value, changed);
      };
      control.slider = slider;
      row.append(slider);
    }
    num.onchange = () => {
      const value = Number(num.value);
      const problem = num.value.trim() === '' ? `${expected(p)} (got nothing)` : rangeProblem(p, value);
      if (problem) {
        num.setAttribute('aria-invalid', 'true');
        rejected.set(p.name, `${p.name}: ${problem}`);
        showMessage(problemNote(state));
        return;
      }
      accept(control);
      control.start = value;
      setParam(state, p, value, changed);
    };
    row.append(num);
    div.append(label, row, help);
    nodes.push(div);
    controls.push(control);
  }
  form.replaceChildren(...nodes);
  refreshSliders(state);
  const sim = state.view.simulation;
  $('sim-label').textContent = sim ? sim.label : 'This view has no simulation (theory only).';
  $<HTMLButtonElement>('sim-run').disabled = !sim;
}

/** The box holds an accepted value again. */
function accept(c: Control): void {
  rejected.delete(c.p.name);
  blamed.delete(c.p.name);
  c.num.removeAttribute('aria-invalid');
}

function setParam(state: ControlsState, p: ExplorerParam, value: number, changed: () => void): void {
  state.params[p.name] = value;
  refreshSliders(state);
  changed();
}

/** Put every slider on its scale at the current values: the bounds other fields put on it, and its position. */
export function refreshSliders(state: ControlsState): void {
  const bounds = state.view.bounds?.(state.params, state.choices) ?? {};
  for (const c of controls) {
    if (!c.slider) continue;
    c.scale = sliderScale(c.p, bounds[c.p.name]);
    c.slider.max = String(c.scale.positions);
    c.slider.value = String(valueToPosition(c.scale, state.params[c.p.name]));
    c.slider.title = `${c.scale.log ? 'log scale, ' : ''}${c.scale.lo} to ${c.scale.hi}`;
  }
}

/** The refused boxes, each in the CLI's words, and the value the picture shows instead. */
export function problemNote(state: ControlsState): string {
  return [...rejected].map(([name, text]) => `${text}; the picture shows ${shown(name, (drawn ?? state.params)[name])}.`).join(' ');
}

/**
 * After a picture is drawn at `state`'s values: clear the flags of the last failure and show what is still refused
 * (and `note`, e.g. where a line has gaps).
 */
export function drawSucceeded(state: ControlsState, note = ''): void {
  drawn = { ...state.params };
  for (const name of blamed) if (!rejected.has(name)) controls.find((c) => c.p.name === name)?.num.removeAttribute('aria-invalid');
  blamed.clear();
  const problems = problemNote(state);
  showMessage([problems, note].filter(Boolean).join(' '), problems ? 'error' : 'info');
}

/**
 * After the values could not be drawn (a rule across fields, or the theory refused them): flag the box the message
 * names, and say which values the picture still shows.
 */
export function drawFailed(state: ControlsState, error: unknown): void {
  const text = error instanceof Error ? error.message : String(error);
  const field = /^(\w+):/.exec(text)?.[1];
  const c = controls.find((k) => k.p.name === field);
  if (c) {
    c.num.setAttribute('aria-invalid', 'true');
    blamed.add(c.p.name);
  }
  const changedNames = drawn ? Object.keys(state.params).filter((k) => state.params[k] !== drawn![k]) : [];
  const picture = !drawn
    ? 'Nothing is drawn.'
    : changedNames.length > 0
      ? `The picture shows the last values that could be drawn: ${changedNames.map((k) => shown(k, drawn![k])).join(', ')}.`
      : 'The picture shows the last values that could be drawn.';
  showMessage([text.endsWith('.') ? text : `${text}.`, problemNote(state), picture].filter(Boolean).join(' '));
}

/** Forget the picture's values (a new view). */
export function resetDrawn(): void {
  drawn = null;
}
