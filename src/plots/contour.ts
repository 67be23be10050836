/**
 * Level sets of a function sampled on a rectangular grid, by marching squares (Lorensen & Cline 1987,
 * "Marching cubes", specialised to two dimensions): each grid cell whose corners lie on both sides of
 * the level contributes one straight segment (two in a saddle cell) between points found by linear
 * interpolation along the cell's edges. Saddle cells (diagonal corners on the same side) are resolved
 * by the cell-centre average of the four corners: if it lies on or above the level, the two corners
 * above are joined through the centre. A cell with a non-finite corner is skipped, so a contour ends
 * where its field is undefined. Segments that share an edge point are chained into polylines; the
 * result is in the form a `contour` Series uses (points of each piece in order, pieces separated by
 * NaN in x and y).
 *
 * Why hand-written: the one maintained package for this, d3-contour (on npm; Vega carries a copy of it),
 * returns filled MultiPolygons of the region `z ≥ threshold` on a uniform integer grid. Getting the
 * zero line out of it means re-mapping non-uniform grids (γ ∈ {0.1, …, 2.0} and similar), deleting the
 * polygon edges that run along the grid boundary, and accepting its fixed saddle table and its
 * treatment of non-finite values as lying below the threshold (Vega's copy compares `v >= threshold`,
 * which draws a spurious line around undefined regions). The algorithm itself is ~100 lines, so it is written here and tested on analytic
 * fields (test/heatmap.test.ts).
 */

/**
 * A field on the grid xs × ys: either a function of the indices (i into xs, j into ys), or the values in
 * row-major order over [ys.length × xs.length], i.e. z(i, j) = values[j * xs.length + i].
 */
export type GridField = ((i: number, j: number) => number) | Float64Array | ArrayLike<number>;

/** The points of a level set: polylines, pieces separated by NaN in both x and y. */
export interface LevelSet {
  x: number[];
  y: number[];
}

/**
 * The level set {z = level} of a field sampled on the grid xs × ys (both strictly increasing; the
 * spacing need not be uniform), by marching squares. Corners with z ≥ level count as above. Returns
 * polylines separated by NaN (a closed curve starts and ends at the same point); empty arrays when
 * the level is not crossed.
 */
export function levelSet(xs: number[], ys: number[], z: GridField, level = 0): LevelSet {
  const nx = xs.length;
  const ny = ys.length;
  const at = fieldAccessor(z, nx, ny);
  const vals = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) vals[j * nx + i] = at(i, j);

  // Edge ids: horizontal edge (i,j)–(i+1,j) is j*(nx-1)+i; vertical edge (i,j)–(i,j+1) is H + j*nx + i.
  const H = ny * Math.max(nx - 1, 0);
  const hEdge = (i: number, j: number) => j * (nx - 1) + i;
  const vEdge = (i: number, j: number) => H + j * nx + i;
  const points = new Map<number, [number, number]>();
  const point = (edge: number): void => {
    if (points.has(edge)) return;
    let a: number;
    let b: number;
    let pa: [number, number];
    let pb: [number, number];
    if (edge < H) {
      const j = Math.floor(edge / (nx - 1));
      const i = edge - j * (nx - 1);
      a = vals[j * nx + i];
      b = vals[j * nx + i + 1];
      pa = [xs[i], ys[j]];
      pb = [xs[i + 1], ys[j]];
    } else {
      const k = edge - H;
      const j = Math.floor(k / nx);
      const i = k - j * nx;
      a = vals[j * nx + i];
      b = vals[(j + 1) * nx + i];
      pa = [xs[i], ys[j]];
      pb = [xs[i], ys[j + 1]];
    }
    const t = (level - a) / (b - a);
    points.set(edge, [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])]);
  };

  const segments: [number, number][] = [];
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      // Corners counter-clockwise from bottom-left: (i,j), (i+1,j), (i+1,j+1), (i,j+1).
      const c = [vals[j * nx + i], vals[j * nx + i + 1], vals[(j + 1) * nx + i + 1], vals[(j + 1) * nx + i]];
      if (!c.every(Number.isFinite)) continue;
      const up = c.map((v) => v >= level);
      // Edge k joins corner k and corner k+1 (mod 4): bottom, right, top, left.
      const edges = [hEdge(i, j), vEdge(i + 1, j), hEdge(i, j + 1), vEdge(i, j)];
      const crossed = [0, 1, 2, 3].filter((k) => up[k] !== up[(k + 1) % 4]);
      if (crossed.length === 0) continue;
      for (const k of crossed) point(edges[k]);
      if (crossed.length === 2) {
        segments.push([edges[crossed[0]], edges[crossed[1]]]);
        continue;
      }
      // Saddle: corners alternate. Cut off the two corners that are not joined through the centre; the
      // segment around corner k runs between its two edges, k-1 and k.
      const centreUp = (c[0] + c[1] + c[2] + c[3]) / 4 >= level;
      for (let k = 0; k < 4; k++) {
        if (up[k] !== centreUp) segments.push([edges[(k + 3) % 4], edges[k]]);
      }
    }
  }
  return chain(segments, points);
}

/** Join segments that share an edge point into polylines; NaN between pieces. */
function chain(segments: [number, number][], points: Map<number, [number, number]>): LevelSet {
  const incident = new Map<number, number[]>();
  segments.forEach(([a, b], s) => {
    for (const e of [a, b]) {
      const list = incident.get(e);
      if (list) list.push(s);
      else incident.set(e, [s]);
    }
  });
  const used = new Uint8Array(segments.length);
  const walk = (from: number): number[] => {
    const out: number[] = [];
    let e = from;
    for (;;) {
      const next = (incident.get(e) ?? []).find((s) => !used[s]);
      if (next === undefined) return out;
      used[next] = 1;
      const [a, b] = segments[next];
      e = a === e ? b : a;
      out.push(e);
    }
  };
  const x: number[] = [];
  const y: number[] = [];
  for (let s = 0; s < segments.length; s++) {
    if (used[s]) continue;
    used[s] = 1;
    const [a, b] = segments[s];
    const forward = walk(b);
    const backward = walk(a);
    const line = [...backward.reverse(), a, b, ...forward];
    if (x.length > 0) {
      x.push(NaN);
      y.push(NaN);
    }
    for (const e of line) {
      const p = points.get(e)!;
      x.push(p[0]);
      y.push(p[1]);
    }
  }
  return { x, y };
}

function fieldAccessor(z: GridField, nx: number, ny: number): (i: number, j: number) => number {
  if (typeof z === 'function') return z;
  if (z.length !== nx * ny) throw new Error(`levelSet: field has ${z.length} values, expected ${ny} × ${nx} = ${nx * ny}`);
  return (i, j) => z[j * nx + i];
}

/** n evenly spaced values from a to b inclusive. */
export function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, k) => (k === n - 1 ? b : a + ((b - a) * k) / (n - 1)));
}

/** A function evaluated on the grid xs × ys, flattened for a heat-map Series and for levelSet. */
export interface GridSample {
  /** Cell centres and values, one per grid point, x varying fastest (row-major over [ys × xs]). */
  x: number[];
  y: number[];
  z: number[];
  /** The same values as a row-major [ys.length × xs.length] field, for levelSet(xs, ys, field). */
  field: Float64Array;
}

/** Evaluate f(x, y) on the grid xs × ys. */
export function gridSeries(xs: number[], ys: number[], f: (x: number, y: number) => number): GridSample {
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  const field = new Float64Array(xs.length * ys.length);
  ys.forEach((yv, j) =>
    xs.forEach((xv, i) => {
      const v = f(xv, yv);
      x.push(xv);
      y.push(yv);
      z.push(v);
      field[j * xs.length + i] = v;
    }),
  );
  return { x, y, z, field };
}
