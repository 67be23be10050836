/**
 * The explorer's simulation worker: runs a view's simulation jobs (src/explorer/simulate.ts) off the page's thread and
 * posts progress after each job, then the simulated series with the kernels the solvers ran on (WebAssembly SIMD where
 * the browser has it, web/shims/wasm.ts). The page cancels by terminating the worker.
 */
import { getView, type ChoiceValues, type ParamValues } from '../src/explorer/views.js';
import { runSimulationJobs } from '../src/explorer/simulate.js';
import { kernelUse, kernelUseSince, type KernelUse } from './shims/wasm.js';

export interface RunRequest {
  viewId: string;
  params: ParamValues;
  choices: ChoiceValues;
  runId: number;
}

export type WorkerMessage =
  | { type: 'progress'; runId: number; done: number; total: number; notConverged: number }
  | { type: 'done'; runId: number; series: unknown; notConverged: number; total: number; kernels: KernelUse }
  | { type: 'error'; runId: number; message: string };

const post = (m: WorkerMessage) => (self as unknown as Worker).postMessage(m);

self.onmessage = async (event: MessageEvent<RunRequest>) => {
  const { viewId, params, choices, runId } = event.data;
  try {
    const view = getView(viewId);
    if (!view.simulation) throw new RangeError(`view ${viewId} has no simulation`);
    const jobs = view.simulation.jobs(params, choices);
    post({ type: 'progress', runId, done: 0, total: jobs.length, notConverged: 0 });
    const before = kernelUse();
    let notConverged = 0;
    const { results } = await runSimulationJobs(
      jobs,
      (p) => {
        notConverged = p.notConverged;
        post({ type: 'progress', runId, ...p });
      },
      () => false,
    );
    post({ type: 'done', runId, series: view.simulation.series(params, choices, results), notConverged, total: jobs.length, kernels: kernelUseSince(before) });
  } catch (e) {
    post({ type: 'error', runId, message: e instanceof Error ? e.message : String(e) });
  }
};
