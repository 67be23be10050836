/**
 * The figure of a stored `reproduce` sweep, rebuilt by its preset from the runs in an output folder's results
 * database (opened read-only; the same build as `ftlab reproduce`, without running anything).
 */
import { openStore } from '../store/store.js';
import { getPreset } from '../experiments/presets/index.js';
import { lookupVia, type PresetOptions } from '../experiments/presets/types.js';
import { flagNonFinite, type FigureData } from '../plots/figure.js';

/** The figure of the sweep `name` stored in `outDir`; a RangeError (in the CLI's wording) if there is no such `reproduce` sweep. */
export function sweepFigure(outDir: string, name: string): FigureData {
  const store = openStore(outDir, { readonly: true });
  try {
    const sweep = store.sweeps().find((s) => s.name === name);
    if (!sweep) throw new RangeError(`sweep: no sweep named ${JSON.stringify(name)} in this output folder`);
    const spec = sweep.spec as { figure?: string; seeds?: number; quick?: boolean; solver?: string; params?: Record<string, number> };
    if (!spec || typeof spec.figure !== 'string') throw new RangeError(`sweep: ${JSON.stringify(name)} is not a \`ftlab reproduce\` sweep (no figure to rebuild)`);
    const preset = getPreset(spec.figure);
    const options: PresetOptions = { seeds: spec.seeds ?? preset.defaultSeeds, quick: spec.quick ?? false, solver: spec.solver, params: spec.params };
    const figure = preset.build(lookupVia((h) => store.get(h)), options);
    figure.provenance = { source: `stored sweep ${name}`, jobs: sweep.jobs, done: sweep.done, updatedAt: sweep.updatedAt };
    return flagNonFinite(figure);
  } finally {
    store.close();
  }
}
