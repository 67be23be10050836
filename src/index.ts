/**
 * ftlab's library API: numeric core, tasks, models, training procedures, theory, and the experiment
 * engine. See the README for a tour.
 */
export * from './numeric/rng.js';
export * from './numeric/matrix.js';
export * from './numeric/linalg.js';
export * from './numeric/covariance.js';
export * from './numeric/stats.js';
export * from './numeric/solve.js';
export * from './numeric/ode.js';
export * from './validation.js';
export * from './nonFinite.js';
export * from './tasks/gaussianInputs.js';
export * from './tasks/linearTeachers.js';
export * from './models/linear.js';
export * from './models/deepLinear.js';
export * from './models/twoLayerRelu.js';
export * from './training/gd.js';
export * from './training/linear.js';
export * from './training/deepLinear.js';
export * from './training/twoLayerRelu.js';
export * from './theory/shachaf/linear.js';
export * from './theory/shachaf/predict.js';
export * from './theory/shachaf/deep.js';
export * from './theory/shachaf/ntk.js';
export * from './theory/registry.js';
export * from './experiments/job.js';
export * from './experiments/jobTypes.js';
export * from './experiments/spec.js';
export * from './experiments/memory.js';
export * from './experiments/pool.js';
export * from './experiments/runner.js';
export * from './experiments/reproduce.js';
export * from './experiments/presets/index.js';
export type { FigurePreset, PresetOptions } from './experiments/presets/types.js';
export * from './store/store.js';
export * from './queue/connection.js';
export * from './queue/executor.js';
export * from './queue/worker.js';
export * from './plots/figure.js';
export * from './plots/render.js';
