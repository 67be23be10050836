/**
 * Render a FigureData to SVG (Vega's headless renderer, from the Vega-Lite spec of ./spec.ts) and PNG (resvg).
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { FigureData } from './figure.js';
import { vegaLiteSpec } from './spec.js';

export { vegaLiteSpec };

export async function renderSvg(fig: FigureData): Promise<string> {
  const compiled = vl.compile(vegaLiteSpec(fig) as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function svgToPng(svg: string, zoom = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: zoom },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: 'white',
  });
  return resvg.render().asPng();
}
