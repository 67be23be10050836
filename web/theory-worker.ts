/**
 * The explorer's theory worker: computes a view's theory (src/explorer/views.ts) off the page's thread, so a slow
 * theory (a replica fixed point, a regime search) never freezes the page. It checks the values as the CLI does
 * (resolveValues), then posts the FigureData or the error's message. One request at a time; the page supersedes a
 * stale one by terminating this worker and starting a fresh one.
 */
import { getView, resolveValues, type ChoiceValues, type ParamValues } from '../src/explorer/views.js';
import type { FigureData } from '../src/plots/figure.js';

/** A theory computation the page asks for. */
export interface TheoryRequest {
  /** Increases with every request the page makes; the reply carries it back. */
  id: number;
  viewId: string;
  params: ParamValues;
  choices: ChoiceValues;
}

/** The worker's answer to one request: the view's figure (theory series only), or why there is none. */
export type TheoryReply = { type: 'figure'; id: number; figure: FigureData; ms: number } | { type: 'error'; id: number; message: string };

const post = (m: TheoryReply) => (self as unknown as Worker).postMessage(m);

self.onmessage = (event: MessageEvent<TheoryRequest>) => {
  const { id, viewId, params, choices } = event.data;
  const t0 = performance.now();
  try {
    const view = getView(viewId);
    resolveValues(view, params, choices); // same checks as the CLI, across fields too
    const figure = view.theory(params, choices);
    post({ type: 'figure', id, figure, ms: performance.now() - t0 });
  } catch (e) {
    post({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
  }
};
