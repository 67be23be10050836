/**
 * The machine-readable figure: every curve and point set ftlab draws, with the parameters needed to
 * recompute it. This object is written as `<id>.json`, flattened to `<id>.csv`, and rendered to
 * SVG/PNG; the web page uses the same shape.
 *
 * Non-finite numbers (src/nonFinite.ts): in memory a series holds ±Infinity and NaN as they are; in the JSON they
 * are null, and `flagNonFinite` lists each one in the series' `nonFinite` (field, index, value, reason) — a table's
 * in the table's `nonFinite` (row, column, value, reason) — before the figure is written, keeping any reason the
 * figure's builder gave (`noteNonFinite`); `reviveNonFinite` reads them back. The CSV writes inf, -inf, nan.
 */
import { csvNumber, GENERIC_REASON, nonFiniteFlag, nonFiniteValue, type NonFiniteFlag } from '../nonFinite.js';

export interface Axis {
  name: string;
  values: number[];
}

export interface Series {
  name: string;
  kind: 'theory' | 'simulation';
  /** Every parameter needed to recompute this series independently. */
  params: unknown;
  /** Facet the series is drawn in (absent: a single panel). */
  panel?: string;
  /** Colour group (a theory curve and its simulated points share one). */
  group?: string;
  /** How a theory series was obtained (e.g. "exact-expectation", "deterministic-equivalent"). */
  method?: string;
  /**
   * How to draw the series: 'line' (default for theory), 'markers' (isolated theory points, e.g. a limit
   * such as L = ∞), 'heatmap' (cells at (x[i], y[i]) coloured by z[i]; a phase map), 'contour' (a level
   * set as polylines in data order: a point whose x and y are both NaN — null in the JSON, flagged with the
   * reason "separates two pieces of the level set" — ends one piece and starts the next).
   */
  style?: 'line' | 'markers' | 'heatmap' | 'contour';
  x: Axis;
  y: Axis & { stderr?: number[] };
  /** Heat maps: the value of each cell (same length as x and y). */
  z?: Axis & { stderr?: number[] };
  /** Per point: did every run (simulation) or solver (theory) behind it converge? */
  converged?: boolean[];
  /** Per point: number of seeds averaged (simulation). */
  seeds?: number[];
  /** Every non-finite number of the series (null in the JSON), in field order then index order; see the module comment. */
  nonFinite?: NonFinitePoint[];
}

/** The arrays of a series that can hold a non-finite number. */
export type NonFiniteField = 'x' | 'y' | 'y.stderr' | 'z' | 'z.stderr';

/** One non-finite number of a series: where it is, which it was, and why. */
export interface NonFinitePoint extends NonFiniteFlag {
  field: NonFiniteField;
  index: number;
}

const NON_FINITE_FIELDS: readonly NonFiniteField[] = ['x', 'y', 'y.stderr', 'z', 'z.stderr'];

function fieldValues(s: Series, field: NonFiniteField): readonly number[] | undefined {
  switch (field) {
    case 'x':
      return s.x.values;
    case 'y':
      return s.y.values;
    case 'y.stderr':
      return s.y.stderr;
    case 'z':
      return s.z?.values;
    case 'z.stderr':
      return s.z?.stderr;
  }
}

const CONTOUR_SEPARATOR = 'separates two pieces of the level set';
const NO_RESULT = 'no value: no stored successful run behind this point, or the value is undefined here';

/**
 * Flag the non-finite numbers of `s` for which `reason` gives a reason (the builder knows why: "no crossover",
 * "diverges at n = d"); numbers already flagged keep their flag. Returns `s`.
 */
export function noteNonFinite(s: Series, reason: (field: NonFiniteField, index: number, value: number) => string | undefined): Series {
  const have = new Set((s.nonFinite ?? []).map((f) => `${f.field}#${f.index}`));
  const added: NonFinitePoint[] = [];
  for (const field of NON_FINITE_FIELDS) {
    fieldValues(s, field)?.forEach((v, index) => {
      if (Number.isFinite(v) || have.has(`${field}#${index}`)) return;
      const why = reason(field, index, v);
      if (why !== undefined) added.push({ field, index, value: nonFiniteValue(v), reason: why });
    });
  }
  if (added.length > 0) {
    const order = (f: NonFinitePoint) => NON_FINITE_FIELDS.indexOf(f.field);
    s.nonFinite = [...(s.nonFinite ?? []), ...added].sort((a, b) => order(a) - order(b) || a.index - b.index);
  }
  return s;
}

/**
 * Flag every non-finite number of every series that is not flagged yet: contour separators as such, a NaN of a
 * simulated series as a point without a result, anything else with the generic reason. In place; returns `fig`.
 */
export function flagNonFinite(fig: FigureData): FigureData {
  for (const t of fig.tables ?? []) {
    const have = new Set((t.nonFinite ?? []).map((f) => `${f.row}#${f.column}`));
    const added: NonNullable<FigureTable['nonFinite']> = [];
    t.rows.forEach((cells, row) =>
      cells.forEach((v, column) => {
        if (typeof v === 'number' && !Number.isFinite(v) && !have.has(`${row}#${column}`)) added.push({ row, column, ...nonFiniteFlag(v) });
      }),
    );
    if (added.length > 0) t.nonFinite = [...(t.nonFinite ?? []), ...added].sort((a, b) => a.row - b.row || a.column - b.column);
  }
  for (const s of fig.series) {
    noteNonFinite(s, (field, index, v) => {
      const separator = s.style === 'contour' && (field === 'x' || field === 'y') && Number.isNaN(s.x.values[index]) && Number.isNaN(s.y.values[index]);
      if (separator) return CONTOUR_SEPARATOR;
      if (Number.isNaN(v) && s.kind === 'simulation') return NO_RESULT;
      return GENERIC_REASON[nonFiniteValue(v)];
    });
  }
  return fig;
}

export interface FigureTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Every non-finite number of the rows (null in the JSON), in row then column order; see the module comment. */
  nonFinite?: (NonFiniteFlag & { row: number; column: number })[];
}

export interface PlotHints {
  xLabel: string;
  yLabel: string;
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  /** 'lines' draws theory as lines and simulations as points ± 2 s.e.; 'scatter' draws points only. */
  style?: 'lines' | 'scatter';
  /** Panels per row. */
  columns?: number;
  /** Independent x/y scales per panel. */
  independent?: boolean;
  /** Heat maps: the colour legend's title and the value range the colour scale spans (centred at 0). */
  zLabel?: string;
  zDomain?: [number, number];
  /** Contours: dash each contour group differently and list the groups in a legend (default: all solid). */
  contourDash?: boolean;
  /** Curve panels: the y range drawn (lines are clipped to it; the data keep every value). */
  yDomain?: [number, number];
}

export interface FigureData {
  figure: string;
  title: string;
  description: string;
  paper: string;
  params: unknown;
  series: Series[];
  tables?: FigureTable[];
  plot: PlotHints;
  /** How the figure was made: ftlab version, command, seeds, wall time. */
  provenance: Record<string, unknown>;
}

const NUMBER_OF: Readonly<Record<NonFiniteFlag['value'], number>> = { '+Infinity': Infinity, '-Infinity': -Infinity, NaN: NaN };

/**
 * The inverse of writing a figure as JSON: put back the non-finite numbers its `nonFinite` flags name in place of
 * their nulls (a figure read from `<id>.json` or the explorer's API). In place; returns `fig`.
 */
export function reviveNonFinite(fig: FigureData): FigureData {
  for (const t of fig.tables ?? []) {
    for (const f of t.nonFinite ?? []) {
      const cells = t.rows[f.row] as (string | number | null)[] | undefined;
      if (cells && cells[f.column] === null) cells[f.column] = NUMBER_OF[f.value];
    }
  }
  for (const s of fig.series) {
    for (const f of s.nonFinite ?? []) {
      const values = fieldValues(s, f.field) as (number | null)[] | undefined;
      if (values && values[f.index] === null) values[f.index] = NUMBER_OF[f.value];
    }
  }
  return fig;
}

/** Flatten a figure to CSV rows (one row per point; inf, -inf, nan where a number is not finite). */
export function figureToCsv(fig: FigureData): string {
  const header = ['figure', 'series', 'kind', 'panel', 'group', 'method', 'x_name', 'x', 'y_name', 'y', 'stderr', 'z_name', 'z', 'z_stderr', 'converged', 'seeds'];
  const esc = (v: unknown) => {
    if (v === undefined || v === null) return '';
    const s = typeof v === 'number' ? csvNumber(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [header.join(',')];
  for (const s of fig.series) {
    s.x.values.forEach((x, i) => {
      lines.push(
        [
          fig.figure,
          s.name,
          s.kind,
          s.panel,
          s.group,
          s.method,
          s.x.name,
          x,
          s.y.name,
          s.y.values[i],
          s.y.stderr?.[i],
          s.z?.name,
          s.z?.values[i],
          s.z?.stderr?.[i],
          s.converged === undefined ? '' : s.converged[i] ? 1 : 0,
          s.seeds?.[i],
        ]
          .map(esc)
          .join(','),
      );
    });
  }
  return lines.join('\n') + '\n';
}

/** A figure table as CSV (numbers as in every ftlab CSV: inf, -inf, nan when not finite). */
export function tableToCsv(table: FigureTable): string {
  const esc = (v: unknown) => {
    const s = typeof v === 'number' ? csvNumber(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [table.columns.map(esc).join(','), ...table.rows.map((r) => r.map(esc).join(','))].join('\n') + '\n';
}
