#!/usr/bin/env node
/**
 * Cut the Fashion-MNIST test fixture (test/fixtures/fashion-mnist-mini/) from the real files: the first
 * TRAIN_PER_CLASS training images and the first TEST_PER_CLASS t10k images of every class, in file order,
 * written as gzipped IDX files with the same names and format as the release (see the fixture's README).
 *
 *   node scripts/make-fashion-mnist-fixture.mjs [source-dir] [out-dir]
 *
 * source-dir defaults to $FTLAB_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist (Debian package
 * dataset-fashion-mnist); out-dir to test/fixtures/fashion-mnist-mini. Output is byte-for-byte reproducible
 * (gzip header with mtime 0).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const TRAIN_PER_CLASS = 6;
const TEST_PER_CLASS = 3;
const here = dirname(fileURLToPath(import.meta.url));
const source = process.argv[2] ?? process.env.FTLAB_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const out = process.argv[3] ?? join(here, '..', 'test', 'fixtures', 'fashion-mnist-mini');

const u32 = (b, o) => b.readUInt32BE(o);
function header(magic, dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

for (const [prefix, perClass] of [['train', TRAIN_PER_CLASS], ['t10k', TEST_PER_CLASS]]) {
  const images = gunzipSync(readFileSync(join(source, `${prefix}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(source, `${prefix}-labels-idx1-ubyte.gz`)));
  if (u32(images, 0) !== 0x803 || u32(labels, 0) !== 0x801) throw new Error(`${source}: not IDX image/label files`);
  const count = u32(labels, 4);
  const rows = u32(images, 8);
  const cols = u32(images, 12);
  const taken = new Array(10).fill(0);
  const keep = [];
  for (let i = 0; i < count && keep.length < 10 * perClass; i++) {
    const c = labels[8 + i];
    if (taken[c] < perClass) {
      taken[c]++;
      keep.push(i);
    }
  }
  const px = rows * cols;
  const imageOut = Buffer.concat([header(0x803, [keep.length, rows, cols]), ...keep.map((i) => images.subarray(16 + i * px, 16 + (i + 1) * px))]);
  const labelOut = Buffer.concat([header(0x801, [keep.length]), Buffer.from(keep.map((i) => labels[8 + i]))]);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${prefix}-images-idx3-ubyte.gz`), gzipSync(imageOut, { level: 9 }));
  writeFileSync(join(out, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(labelOut, { level: 9 }));
  process.stdout.write(`${prefix}: ${keep.length} images (${perClass} per class; source indices ${keep.slice(0, 5).join(', ')}, …)\n`);
}
