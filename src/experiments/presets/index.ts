/** All figure presets, by id. */
import type { FigurePreset } from './types.js';
import { shachafLinearRisk } from './shachafLinearRisk.js';
import { shachafSimilarity } from './shachafSimilarity.js';
import { shachafDepth, shachafFreeze, shachafScale } from './shachafDeep.js';
import { shachafNtk } from './shachafNtk.js';
import { tahirRelu } from './tahirRelu.js';
import { TAHIR_DEEP_PRESETS } from './tahirDeep.js';
import { ANGUITA_PRESETS } from './anguita.js';
import { anguitaRegimeMap } from './anguitaRegimeMap.js';
import { anguitaNonlinear } from './anguitaNonlinear.js';

export const PRESETS: FigurePreset[] = [shachafLinearRisk, shachafSimilarity, shachafDepth, shachafScale, shachafFreeze, shachafNtk, ...TAHIR_DEEP_PRESETS, tahirRelu, ...ANGUITA_PRESETS, anguitaRegimeMap, anguitaNonlinear];

export function getPreset(id: string): FigurePreset {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) throw new RangeError(`figure: unknown id "${id}"; allowed: ${PRESETS.map((x) => x.id).join(', ')}`);
  return p;
}
