/**
 * How the explorer's figure sits on the page: the spec options of the plot (the card's width, so the picture fills
 * it and follows it when the window is resized; dark colours under `prefers-color-scheme: dark`; tooltips), and
 * the explanation of the view — its text with the equations (between `$…$`) typeset by KaTeX, and the paper it is from.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import type { ExplorerView } from '../src/explorer/views.js';
import type { SpecOptions } from '../src/plots/spec.js';

const dark = window.matchMedia('(prefers-color-scheme: dark)');

/** The width the picture must fit: the plot card's content width. */
export function plotWidth(): number {
  const el = document.getElementById('plot');
  const w = el ? el.clientWidth : 0;
  return Math.max(240, Math.floor(w > 0 ? w : window.innerWidth - 40));
}

/** The spec options of the page's plot now. */
export function specOptions(): SpecOptions {
  return { width: plotWidth(), dark: dark.matches, tooltip: true };
}

/** Call `redraw` when the plot card's width or the colour scheme changes (coalesced to one call per frame). */
export function watchLayout(redraw: () => void): void {
  let last = plotWidth();
  let queued = false;
  const soon = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      redraw();
    });
  };
  const card = document.getElementById('plot-card');
  if (card) {
    new ResizeObserver(() => {
      const w = plotWidth();
      if (Math.abs(w - last) < 4) return;
      last = w;
      soon();
    }).observe(card);
  }
  dark.addEventListener('change', soon);
}

/** HTML of `text` with each `$…$` typeset by KaTeX and the rest escaped. */
export function mathHtml(text: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return text
    .split(/(\$[^$]+\$)/)
    .map((part) => (part.length > 2 && part.startsWith('$') && part.endsWith('$') ? katex.renderToString(part.slice(1, -1), { throwOnError: false, output: 'htmlAndMathml' }) : esc(part)))
    .join('');
}

/** Show the view's explanation (equations typeset) and its paper. */
export function renderDescription(view: ExplorerView): void {
  const d = document.getElementById('description');
  if (d) d.innerHTML = `<p>${mathHtml(view.description)}</p>`;
  const c = document.getElementById('citation');
  if (c) c.textContent = `From ${view.paper}.`;
}
