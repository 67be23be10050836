/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747; MIT licence, © Zalando SE): a real IDX
 * loader for the nonlinear check of Anguita et al. (2026), digest `anguita-pretraining-inductive-bias.md` §9.
 *
 * The four files `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz` are read from, in order of precedence:
 * the `dir` argument, the environment variable FTLAB_FASHION_MNIST_DIR, or the Debian package's folder
 * /usr/share/datasets/fashion-mnist (`apt-get install dataset-fashion-mnist`). Files are gunzipped with
 * node:zlib and parsed as IDX (LeCun's format: a big-endian magic number 0x00000803 for unsigned-byte
 * rank-3 images or 0x00000801 for rank-1 labels, then the dimensions, then the bytes). Every header field is
 * checked — magic number, image count against label count, 28 × 28 images, file length, labels in 0…9 — and
 * a failure names the file and the field. A decoded split (60 000 or 10 000 images of 784 bytes) is cached
 * per process, keyed by its path.
 *
 * Pixels stay bytes until a model needs them: `imageRows` turns chosen images into float64 rows, scaled to
 * [0, 1] ('unit': x/255, zeros stay zeros, which the MLP's first layer exploits) or standardised
 * ('standard': (x/255 − 0.2860)/0.3530, the training set's pixel mean and standard deviation), optionally
 * average-pooled over p × p blocks (p = 2: 14 × 14 images).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Mat } from '../numeric/matrix.js';

/** The ten classes, by label. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Shirt', 'Sandal', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_ENV = 'FTLAB_FASHION_MNIST_DIR';
export const FASHION_MNIST_PACKAGE = 'dataset-fashion-mnist';
/** Pixel mean and standard deviation of the 60 000 training images on the [0, 1] scale. */
export const FASHION_MNIST_PIXEL_MEAN = 0.286;
export const FASHION_MNIST_PIXEL_STD = 0.353;

const IDX_IMAGES_MAGIC = 0x00000803;
const IDX_LABELS_MAGIC = 0x00000801;
const SIDE = 28;

export type FashionMnistSplit = 'train' | 'test';

export interface FashionMnistData {
  split: FashionMnistSplit;
  /** The folder the files were read from. */
  dir: string;
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, image-major, row-major within an image. */
  pixels: Uint8Array;
  /** One label in 0…9 per image. */
  labels: Uint8Array;
}

/** The folder to read: `dir`, else $FTLAB_FASHION_MNIST_DIR, else the Debian package's folder. */
export function resolveFashionMnistDir(dir?: string): string {
  const env = process.env[FASHION_MNIST_ENV];
  return resolve(dir ?? (env !== undefined && env !== '' ? env : FASHION_MNIST_DEFAULT_DIR));
}

export function fashionMnistFiles(split: FashionMnistSplit): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte.gz`, labels: `${prefix}-labels-idx1-ubyte.gz` };
}

/** True when all four files are present in the resolved folder. */
export function fashionMnistAvailable(dir?: string): boolean {
  const d = resolveFashionMnistDir(dir);
  return (['train', 'test'] as const).every((s) => {
    const f = fashionMnistFiles(s);
    return existsSync(join(d, f.images)) && existsSync(join(d, f.labels));
  });
}

function missingMessage(path: string, dir: string): string {
  return (
    `Fashion-MNIST: ${path} not found (looked in ${dir}). Install the Debian package with ` +
    `\`apt-get install ${FASHION_MNIST_PACKAGE}\` (files in ${FASHION_MNIST_DEFAULT_DIR}), or point ${FASHION_MNIST_ENV} ` +
    `(or the job's dataDir) at a folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ` +
    `t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz`
  );
}

function readGz(path: string, dir: string): Uint8Array {
  if (!existsSync(path)) throw new Error(missingMessage(path, dir));
  const raw = readFileSync(path);
  try {
    return new Uint8Array(gunzipSync(raw));
  } catch (e) {
    throw new Error(`Fashion-MNIST: ${path} is not a valid gzip file (${(e as Error).message})`);
  }
}

function u32(buf: Uint8Array, offset: number): number {
  return ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
}

const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

/** Parse an IDX rank-3 unsigned-byte file (images); `name` labels the errors. */
export function parseIdxImages(buf: Uint8Array, name: string): { count: number; rows: number; cols: number; pixels: Uint8Array } {
  if (buf.length < 16) throw new RangeError(`${name}: header: expected at least 16 bytes (got ${buf.length})`);
  const magic = u32(buf, 0);
  if (magic !== IDX_IMAGES_MAGIC) throw new RangeError(`${name}: magic number: expected ${hex(IDX_IMAGES_MAGIC)} (IDX unsigned-byte images, rank 3), got ${hex(magic)}`);
  const count = u32(buf, 4);
  const rows = u32(buf, 8);
  const cols = u32(buf, 12);
  if (rows !== SIDE || cols !== SIDE) throw new RangeError(`${name}: dimensions: expected ${SIDE} × ${SIDE} images, got ${rows} × ${cols}`);
  const expected = 16 + count * rows * cols;
  if (buf.length !== expected) throw new RangeError(`${name}: length: expected ${expected} bytes for ${count} images of ${rows} × ${cols}, got ${buf.length}`);
  return { count, rows, cols, pixels: buf.subarray(16) };
}

/** Parse an IDX rank-1 unsigned-byte file (labels 0…9); `name` labels the errors. */
export function parseIdxLabels(buf: Uint8Array, name: string): Uint8Array {
  if (buf.length < 8) throw new RangeError(`${name}: header: expected at least 8 bytes (got ${buf.length})`);
  const magic = u32(buf, 0);
  if (magic !== IDX_LABELS_MAGIC) throw new RangeError(`${name}: magic number: expected ${hex(IDX_LABELS_MAGIC)} (IDX unsigned-byte labels, rank 1), got ${hex(magic)}`);
  const count = u32(buf, 4);
  if (buf.length !== 8 + count) throw new RangeError(`${name}: length: expected ${8 + count} bytes for ${count} labels, got ${buf.length}`);
  const labels = buf.subarray(8);
  for (let i = 0; i < count; i++) {
    if (labels[i] > 9) throw new RangeError(`${name}: label ${i}: expected a class in 0…9, got ${labels[i]}`);
  }
  return labels;
}

const cache = new Map<string, FashionMnistData>();

/** Load one split (cached per process by folder and split). Throws naming the package and folder when absent. */
export function loadFashionMnist(split: FashionMnistSplit, dir?: string): FashionMnistData {
  if (split !== 'train' && split !== 'test') throw new RangeError(`split: expected "train" or "test" (got ${String(split)})`);
  const folder = resolveFashionMnistDir(dir);
  const key = `${folder}\u0000${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const files = fashionMnistFiles(split);
  const imagePath = join(folder, files.images);
  const labelPath = join(folder, files.labels);
  const images = parseIdxImages(readGz(imagePath, folder), imagePath);
  const labels = parseIdxLabels(readGz(labelPath, folder), labelPath);
  if (labels.length !== images.count) throw new RangeError(`${labelPath}: count: expected ${images.count} labels (one per image in ${files.images}), got ${labels.length}`);
  const data: FashionMnistData = { split, dir: folder, count: images.count, rows: images.rows, cols: images.cols, pixels: images.pixels, labels };
  if (cache.size >= 4) cache.delete(cache.keys().next().value as string);
  cache.set(key, data);
  return data;
}

/** Indices of the images of each class, in file order. */
export function indicesByClass(labels: Uint8Array): Int32Array[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const out = counts.map((c) => new Int32Array(c));
  const fill = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]][fill[labels[i]]++] = i;
  return out;
}

export interface ImageRowOptions {
  /** 'unit': x/255 ∈ [0, 1] (default); 'standard': (x/255 − mean)/std. */
  scaling?: 'unit' | 'standard';
  /** Average-pool over pool × pool blocks (1, 2 or 4; default 1 = 28 × 28). */
  pool?: number;
}

/** Input dimension after pooling. */
export function pooledDimension(pool: number): number {
  if (!(pool === 1 || pool === 2 || pool === 4)) throw new RangeError(`pool: expected 1, 2 or 4 (got ${pool})`);
  return (SIDE / pool) * (SIDE / pool);
}

/** The chosen images as float64 rows (indices.length × (28/pool)²). */
export function imageRows(data: FashionMnistData, indices: ArrayLike<number>, options: ImageRowOptions = {}): Mat {
  const pool = options.pool ?? 1;
  const side = SIDE / pool;
  const d = pooledDimension(pool);
  const scaling = options.scaling ?? 'unit';
  if (scaling !== 'unit' && scaling !== 'standard') throw new RangeError(`scaling: expected "unit" or "standard" (got ${String(scaling)})`);
  const out = new Float64Array(indices.length * d);
  const norm = 1 / (255 * pool * pool);
  for (let r = 0; r < indices.length; r++) {
    const idx = indices[r];
    if (!Number.isInteger(idx) || idx < 0 || idx >= data.count) throw new RangeError(`indices[${r}]: expected an image index in [0, ${data.count - 1}] (got ${idx})`);
    const src = idx * SIDE * SIDE;
    const dst = r * d;
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        let s = 0;
        for (let a = 0; a < pool; a++) {
          const base = src + (i * pool + a) * SIDE + j * pool;
          for (let b = 0; b < pool; b++) s += data.pixels[base + b];
        }
        const v = s * norm;
        out[dst + i * side + j] = scaling === 'unit' ? v : (v - FASHION_MNIST_PIXEL_MEAN) / FASHION_MNIST_PIXEL_STD;
      }
    }
  }
  return { rows: indices.length, cols: d, data: out };
}

const fingerprints = new Map<string, string>();

/**
 * A short identity of the Fashion-MNIST files in a folder: SHA-256 (first 16 hex digits) over both label files, the
 * sizes of both image files and their first 64 KiB. Jobs carry it so that results computed from other files are
 * never taken for these (a job's identity is the hash of its parameters). Cached per process by path, size and
 * modification time. Throws the loader's missing-file error when the files are absent.
 */
export function fashionMnistFingerprint(dir?: string): string {
  const d = resolveFashionMnistDir(dir);
  const files = (['train', 'test'] as const).flatMap((split) => {
    const f = fashionMnistFiles(split);
    return [join(d, f.labels), join(d, f.images)];
  });
  if (!files.every((f) => existsSync(f))) loadFashionMnist('train', d); // throws the error that names the package
  const stamp = files.map((f) => {
    const st = statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  });
  const key = stamp.join('|');
  const hit = fingerprints.get(key);
  if (hit) return hit;
  const parts: Uint8Array[] = [];
  for (const f of files) {
    const bytes = readFileSync(f);
    const isLabels = f.includes('labels');
    parts.push(new TextEncoder().encode(`${isLabels ? 'labels' : 'images'}:${bytes.length}:`));
    parts.push(isLabels ? bytes : bytes.subarray(0, 65536));
  }
  const total = parts.reduce((n, b) => n + b.length, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const b of parts) {
    all.set(b, off);
    off += b.length;
  }
  const hex = Array.from(sha256(all).subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  fingerprints.set(key, hex);
  return hex;
}
