/**
 * The memory guard of sweeps: each job type lists the large arrays one run allocates (`estimateBytes`), in
 * terms of its parameters, and a sweep is refused before anything runs when one of its jobs would need more
 * than a limit (4 GiB unless raised). The message names the parameters, what they would cost and how to raise
 * the limit. Also the byte-size reading and writing shared by the CLI and the messages.
 */
import type { JobType } from './jobTypes.js';

/** One large array (or a group of arrays of one shape) a job allocates. */
export interface MemoryTerm {
  /** What it is, e.g. "X". */
  name: string;
  /** Its shape in the job's own symbols, e.g. "d·n float64". */
  shape: string;
  /** Its size in bytes. */
  bytes: number;
  /** The parameters its size grows with, dotted path → value (named in the message). */
  fields: Record<string, number>;
}

/** Bytes per float64. */
const F64 = 8;

/** A term of `count` float64 values. */
export function float64Term(name: string, shape: string, count: number, fields: Record<string, number>): MemoryTerm {
  return { name, shape: `${shape} float64`, bytes: F64 * count, fields };
}

/**
 * Copies of a network's parameters that training keeps: the adaptive gradient flow (Dormand–Prince stages, state,
 * error and gradient) about 12, gradient descent (weights, gradient, step and its trial) about 4.
 */
export function trainingCopies(method: 'flow' | 'gd'): number {
  return method === 'flow' ? 12 : 4;
}

/** The default per-job memory limit of a sweep: 4 GiB. */
export const DEFAULT_MAX_MEMORY_BYTES = 4 * 2 ** 30;

/** Where the limit of sweep specs is raised, for messages. */
export const SWEEP_MEMORY_OVERRIDE = '--max-memory on ftlab run, or the maxMemoryBytes option of expandSweep';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Read a size like "8GiB", "512 MiB", "16GB" or a plain number of bytes; null when it is none of these. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([A-Za-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const unit = m[2] === '' ? 1 : UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Number(m[1]) * unit;
  return Number.isFinite(bytes) && bytes > 0 ? bytes : null;
}

/** A byte count in binary units with three significant digits: "149 GiB", "1.5 KiB", "4 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let u = 0;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u++;
  }
  return `${u === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(3)))} ${units[u]}`;
}

/** A job's estimated peak memory: the sum of its terms; null when the job type gives no estimate. */
export function estimateJobBytes(jt: JobType, params: unknown): { bytes: number; terms: MemoryTerm[] } | null {
  if (!jt.estimateBytes) return null;
  const terms = jt.estimateBytes(params).filter((t) => t.bytes > 0);
  return { bytes: terms.reduce((s, t) => s + t.bytes, 0), terms };
}

/**
 * Why a job of type `jt` with validated `params` does not fit in `limitBytes` — naming the parameters that drive
 * the cost, the estimate, its largest array and how to raise the limit (`override`) — or null when it fits.
 */
export function jobMemoryProblem(jt: JobType, params: unknown, limitBytes: number, override = SWEEP_MEMORY_OVERRIDE): string | null {
  const estimate = estimateJobBytes(jt, params);
  if (!estimate || estimate.bytes <= limitBytes) return null;
  const terms = [...estimate.terms].sort((a, b) => b.bytes - a.bytes);
  const fields = new Map<string, number>();
  for (const t of terms) {
    if (t.bytes < 0.1 * estimate.bytes) break;
    for (const [k, v] of Object.entries(t.fields)) if (!fields.has(k)) fields.set(k, v);
  }
  const named = [...fields].map(([k, v]) => `${k} = ${v}`).join(', ');
  const largest = terms[0];
  return (
    `${jt.name} parameters: ${named || 'these parameters'} need about ${formatBytes(estimate.bytes)} ` +
    `(${largest.name} alone: ${largest.shape}, ${formatBytes(largest.bytes)}); the limit is ${formatBytes(limitBytes)} (${override}, to raise it)`
  );
}
