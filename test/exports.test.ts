import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { crc32, csvWithHeader, pngTextEntries, pngWithText, svgWithMetadata, type ExportInfo } from '../web/exports.js';

const info: ExportInfo = {
  ftlab: '0.0.0-test',
  view: 'tahir-phase',
  title: 'Phase <map> & more',
  paper: 'Someone (Venue 2025)',
  params: { sigma: 0.2, lambda: 0 },
  choices: { procedure: 'linear transfer' },
  overlays: ['sweep:a:series θ'],
  link: 'http://127.0.0.1:1/?view=tahir-phase&p.sigma=0.2',
  exportedAt: '2026-01-01T00:00:00.000Z',
};

describe('explorer exports', () => {
  it('computes PNG’s CRC-32', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 7919) % 256);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });

  it('inserts UTF-8 text chunks before IEND, leaving a PNG a decoder still reads', () => {
    const png = new Uint8Array(new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"><rect width="4" height="3" fill="red"/></svg>').render().asPng());
    const out = pngWithText(png, pngTextEntries(info));
    const buf = Buffer.from(out);
    const types: string[] = [];
    for (let at = 8; at < buf.length; ) {
      const n = buf.readUInt32BE(at);
      types.push(buf.subarray(at + 4, at + 8).toString('latin1'));
      expect(buf.readUInt32BE(at + 8 + n)).toBe(zlibCrc32(buf.subarray(at + 4, at + 8 + n)));
      at += 12 + n;
    }
    expect(types.slice(-6)).toEqual(['iTXt', 'iTXt', 'iTXt', 'iTXt', 'iTXt', 'IEND']);
    expect(buf.toString('utf8')).toContain('series θ');
    expect(new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="4" height="3"><image width="4" height="3" href="data:image/png;base64,${buf.toString('base64')}"/></svg>`).render().width).toBe(4);
  });

  it('writes the metadata into the SVG, escaped, and above the CSV header', () => {
    const svg = svgWithMetadata('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><g/></svg>', info);
    expect(svg).toMatch(/^<svg[^>]*><title>Phase &lt;map&gt; &amp; more<\/title><desc>/);
    const json = /<metadata id="ftlab-export">([^<]*)<\/metadata>/.exec(svg)![1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(JSON.parse(json)).toEqual(info);
    const csv = csvWithHeader('figure,series\nx,y\n', info).split('\n');
    expect(csv.filter((l) => l.startsWith('#'))).toHaveLength(csv.indexOf('figure,series'));
    expect(csv).toContain('# parameters: procedure = linear transfer, sigma = 0.2, lambda = 0');
  });
});
