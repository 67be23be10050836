/**
 * A replica-symmetric generalisation curve (src/theory/anguita/replica.ts, Anguita et al. 2026 §5) as a theory
 * Series of the figure spec (src/plots/figure.ts): error against α, with each point's convergence. One shape for
 * the figures (`anguita-regimes`, `anguita-fig3`, `anguita-regime-map`) and the explorer page.
 */
import type { Series } from '../../plots/figure.js';
import type { ReplicaPoint } from './replica.js';

export function replicaCurveSeries(curve: readonly ReplicaPoint[], meta: { name: string; group: string; panel?: string; params: unknown }): Series {
  return {
    name: meta.name,
    kind: 'theory',
    panel: meta.panel,
    group: meta.group,
    method: 'replica-symmetric fixed point, deterministic quadrature',
    params: meta.params,
    x: { name: 'α = n/d', values: curve.map((p) => p.alpha) },
    y: { name: 'generalisation error', values: curve.map((p) => p.error) },
    converged: curve.map((p) => p.converged),
  };
}
