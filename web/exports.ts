/**
 * The explorer's exports: the drawn figure as SVG, PNG, CSV and JSON. Each carries what is needed to make the
 * picture again: the view, every parameter value, the overlays, the ftlab version and the link to the page state —
 * in the SVG as <title>, <desc> and a JSON <metadata> block, in the PNG as text chunks (iTXt, UTF-8), in the CSV as
 * a block of `#` comment lines above the header, and in the JSON (the CLI's FigureData shape, non-finite numbers as
 * null with their flags, as `ftlab reproduce` writes it) in its `provenance`. The pictures are drawn afresh in light
 * colours at the plot's width, whatever the page's colour scheme, as a figure for a paper.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { figureToCsv, flagNonFinite, type FigureData } from '../src/plots/figure.js';
import { vegaLiteSpec } from '../src/plots/spec.js';

declare const __FTLAB_VERSION__: string;

/** The ftlab version the page was built from (package.json, set at build time). */
export const FTLAB_VERSION: string = typeof __FTLAB_VERSION__ === 'string' ? __FTLAB_VERSION__ : 'unknown';

/** What every export says about itself. */
export interface ExportInfo {
  ftlab: string;
  view: string;
  title: string;
  paper: string;
  params: Record<string, number>;
  choices: Record<string, string>;
  /** The stored series drawn on top, as `<sweep>:<series name>`. */
  overlays: string[];
  link: string;
  exportedAt: string;
}

/** The parameters as one line: `d = 100, alpha = 1, procedure = linear transfer`. */
export function parameterLine(info: Pick<ExportInfo, 'params' | 'choices'>): string {
  return [...Object.entries(info.choices), ...Object.entries(info.params)].map(([k, v]) => `${k} = ${v}`).join(', ');
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `svg` with a <title>, a <desc> (view, parameters, version, link) and a <metadata> JSON block after its opening tag. */
export function svgWithMetadata(svg: string, info: ExportInfo): string {
  const open = /<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('not an SVG document');
  const desc = `ftlab ${info.ftlab} explorer, view ${info.view}; ${parameterLine(info)}; ${info.link}`;
  const block =
    `<title>${xmlEscape(info.title)}</title><desc>${xmlEscape(desc)}</desc>` +
    `<metadata id="ftlab-export">${xmlEscape(JSON.stringify(info))}</metadata>`;
  const at = open.index + open[0].length;
  return svg.slice(0, at) + block + svg.slice(at);
}

/** `csv` below a block of `#` comment lines: the version, view, paper, parameters, overlays, link and the JSON of `info`. */
export function csvWithHeader(csv: string, info: ExportInfo): string {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const lines = [
    `# ftlab ${info.ftlab} explorer export`,
    `# view: ${info.view} (${oneLine(info.title)})`,
    `# paper: ${oneLine(info.paper)}`,
    `# parameters: ${parameterLine(info)}`,
    ...(info.overlays.length > 0 ? [`# overlays: ${info.overlays.map(oneLine).join('; ')}`] : []),
    `# link: ${info.link}`,
    `# metadata: ${JSON.stringify(info)}`,
  ];
  return lines.join('\n') + '\n' + csv;
}

/** The figure as the CLI writes `<id>.json`, with `info` in its provenance. */
export function figureJson(fig: FigureData, info: ExportInfo): string {
  const copy = structuredClone(fig);
  copy.provenance = { ...copy.provenance, source: 'ftlab explorer', ...info };
  return JSON.stringify(flagNonFinite(copy), null, 1) + '\n';
}

// PNG text chunks ------------------------------------------------------------------------------------

let crcTable: Uint32Array | null = null;

/** The CRC-32 (ISO 3309, as PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An uncompressed iTXt chunk (length, type, data, CRC) holding `text` (UTF-8) under `keyword` (1–79 Latin-1 characters). */
function itxtChunk(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new RangeError(`PNG text keyword: expected 1 to 79 printable ASCII characters (got ${JSON.stringify(keyword)})`);
  const enc = new TextEncoder();
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text
  const data = new Uint8Array([...enc.encode(keyword), 0, 0, 0, 0, 0, ...enc.encode(text)]);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(enc.encode('iTXt'), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

/** `png` with an iTXt chunk per entry, inserted before its IEND chunk. */
export function pngWithText(png: Uint8Array, entries: readonly (readonly [string, string])[]): Uint8Array {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (png.length < 20 || sig.some((b, i) => png[i] !== b)) throw new Error('not a PNG image');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  while (at + 8 <= png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const chunks = entries.map(([k, v]) => itxtChunk(k, v));
  const out = new Uint8Array(png.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(png.subarray(0, at), 0);
  let p = at;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  out.set(png.subarray(at), p);
  return out;
}

/** The text chunks of an exported PNG. */
export function pngTextEntries(info: ExportInfo): [string, string][] {
  return [
    ['Title', info.title],
    ['Description', `View ${info.view}; ${parameterLine(info)}`],
    ['Software', `ftlab ${info.ftlab}`],
    ['Source', info.link],
    ['ftlab', JSON.stringify(info)],
  ];
}

// The toolbar ------------------------------------------------------------------------------------------

/** What the export buttons read from the page. */
export interface ExportContext {
  /** The figure drawn now (theory, simulation and overlays). */
  figure(): FigureData | null;
  /** The plot's width in pixels. */
  width(): number;
  info(): Omit<ExportInfo, 'ftlab' | 'link' | 'exportedAt'>;
}

/** A headless Vega view of `fig` in light colours, `width` pixels wide (finalize it after use). */
async function exportView(fig: FigureData, width: number): Promise<vega.View> {
  const spec = vl.compile(vegaLiteSpec(fig, { width }) as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  await view.runAsync();
  return view;
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  const href = URL.createObjectURL(blob);
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/** Wire the download buttons (#download-svg, -png, -csv, -json) to `ctx`. */
export function wireExports(ctx: ExportContext): void {
  const $ = (id: string) => document.getElementById(id) as HTMLElement;
  const info = (): ExportInfo => ({ ftlab: FTLAB_VERSION, ...ctx.info(), link: location.href, exportedAt: new Date().toISOString() });
  const base = () => ctx.info().view.replace(/[^A-Za-z0-9_-]+/g, '-');
  $('download-svg').onclick = async () => {
    const fig = ctx.figure();
    if (!fig) return;
    const v = await exportView(fig, ctx.width());
    const svg = await v.toSVG();
    v.finalize();
    download(`${base()}.svg`, new Blob([svgWithMetadata(svg, info())], { type: 'image/svg+xml' }));
  };
  $('download-png').onclick = async () => {
    const fig = ctx.figure();
    if (!fig) return;
    const v = await exportView(fig, ctx.width());
    const canvas = (await v.toCanvas(2)) as HTMLCanvasElement;
    v.finalize();
    const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, 'image/png'));
    if (!blob) return;
    const bytes = pngWithText(new Uint8Array(await blob.arrayBuffer()), pngTextEntries(info()));
    download(`${base()}.png`, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
  };
  $('download-csv').onclick = () => {
    const fig = ctx.figure();
    if (!fig) return;
    download(`${base()}.csv`, new Blob([csvWithHeader(figureToCsv(fig), info())], { type: 'text/csv' }));
  };
  $('download-json').onclick = () => {
    const fig = ctx.figure();
    if (!fig) return;
    download(`${base()}.json`, new Blob([figureJson(fig, info())], { type: 'application/json' }));
  };
}
