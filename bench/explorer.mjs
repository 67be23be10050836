// How live the explorer page is, measured in Debian's Chromium (playwright-core) against `ftlab serve` on the built
// page: for each view and parameter, the median input-event → painted-plot latency over keyboard moves of the
// parameter's slider (the page's window.ftlab.lastLatency(): from the input event's time stamp to after the frame
// that shows the picture), the paints per second while the pointer drags that slider for 2 s, and the longest
// main-thread task ('longtask' entries) over the moves and the drag. Prints a table and writes
// bench/results/explorer.json. Needs `npm run build` first.
//
//   node bench/explorer.mjs                      # every case (≈ 5 min on 2 cores)
//   node bench/explorer.mjs --only shachaf-risk,theory:tahir-kl --moves 6
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { median, round } from './common.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const CHROMIUM = process.env.FTLAB_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    moves: { type: 'string', default: '12' },
    'slow-moves': { type: 'string', default: '3' },
    'drag-ms': { type: 'string', default: '2000' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results', 'explorer.json') },
  },
});
const MOVES = Number(args.moves);
const SLOW_MOVES = Number(args['slow-moves']);
const DRAG_MS = Number(args['drag-ms']);

if (!existsSync(CLI) || !existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('build first: npm run build');
if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set FTLAB_CHROMIUM)`);

// The views and parameters of the benchmark. Classes and their targets: 'fast' (Shachaf, Tahir and every closed-form
// theory function: median ≤ 50 ms, drag ≥ 30 fps), 'replica' (replica fixed points: median ≤ 300 ms with a visible
// "computing…"); every case: no main-thread task over 100 ms. 'slow' cases (seconds per picture) get fewer moves.
const { EXPLORER_VIEWS } = await import(join(ROOT, 'dist', 'explorer', 'views.js'));
const REPLICA = new Set(['anguita-replica', 'theory:anguita-replica-error', 'theory:anguita-single-task-error']);
const SLOW = new Set(['theory:anguita-best-regime']);
const cases = [
  { view: 'shachaf-risk', param: 'alpha' },
  { view: 'shachaf-risk', param: 'd' },
  { view: 'shachaf-risk', param: 'alpha', noop: true },
  { view: 'tahir-phase', param: 'sigma' },
  { view: 'tahir-slice', param: 'thetaDeg' },
  { view: 'anguita-replica', param: 'gammaFT' },
  { view: 'anguita-replica', param: 'omega' },
];
for (const v of EXPLORER_VIEWS.filter((v) => v.id.startsWith('theory:'))) {
  const x = v.choices?.find((c) => c.name === 'x')?.default;
  // The first parameter with a slider on the page (not the x axis, not the x range).
  const candidates = v.params.filter((q) => q.name !== x && q.name !== 'xFrom' && q.name !== 'xTo').map((q) => q.name);
  if (candidates.length) cases.push({ view: v.id, param: candidates[0], candidates });
}
for (const c of cases) c.class = SLOW.has(c.view) ? 'slow' : REPLICA.has(c.view) ? 'replica' : 'fast';
const only = args.only ? new Set(args.only.split(',')) : null;
const chosen = only ? cases.filter((c) => only.has(c.view)) : cases;

function startServe(outDir) {
  const server = spawn(process.execPath, [CLI, 'serve', '--out', outDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    server.stdout.on('data', (b) => {
      text += b.toString();
      const m = /ftlab explorer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m) resolve({ server, url: m[1] });
    });
    server.stderr.on('data', (b) => (text += b.toString()));
    server.on('exit', (code) => reject(new Error(`ftlab serve exited (${code}): ${text}`)));
  });
}

/** In the page before its scripts: every long task and every time the plot said "computing…". */
function instrument() {
  window.__bench = { longTasks: [], busyShown: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  addEventListener('DOMContentLoaded', () => {
    const plot = document.getElementById('plot');
    if (!plot) return;
    new MutationObserver(() => {
      const busy = plot.querySelector('.plot-busy');
      const shown = !!busy && !busy.hidden;
      if (shown && !window.__bench.wasShown) window.__bench.busyShown++;
      window.__bench.wasShown = shown;
    }).observe(plot, { attributes: true, subtree: true, attributeFilter: ['hidden', 'aria-busy'] });
  });
}

/** The picture for the last input is on screen: drawn, its frame painted, nothing left to compute. */
const settled = (page, after, timeout) =>
  page.waitForFunction(
    (n) => window.ftlab.renderCount() > n.renders && (window.ftlab.liveStats?.().latencies ?? Infinity) > n.latencies && document.getElementById('plot').getAttribute('aria-busy') === null,
    after,
    { timeout },
  );
const counts = (page) => page.evaluate(() => ({ renders: window.ftlab.renderCount(), latencies: window.ftlab.liveStats?.().latencies ?? 0 }));

async function measure(page, baseUrl, c) {
  const result = { ...c, latencies: [], errors: [] };
  await page.goto(`${baseUrl}?view=${encodeURIComponent(c.view)}`);
  await page.waitForFunction(() => window.ftlab?.renderCount() > 0, null, { timeout: 300_000 });
  const since = await page.evaluate(() => performance.now());
  const hooks = await page.evaluate(() => ({ builds: window.ftlab.viewBuilds?.() ?? null, runs: window.ftlab.theoryRuns?.() ?? null }));
  for (const name of c.candidates ?? []) {
    const el = page.locator(`#p-${name}`);
    if ((await el.count()) > 0 && (await el.isVisible())) {
      result.param = name;
      break;
    }
  }
  const slider = page.locator(`#p-${result.param}`);
  if ((await slider.count()) === 0 || !(await slider.isVisible())) {
    result.errors.push(`no slider for ${c.param}`);
    return result;
  }
  const moves = c.class === 'slow' ? SLOW_MOVES : MOVES;
  const timeout = c.class === 'fast' ? 30_000 : 300_000;
  // Keyboard moves, away from the nearer end of the slider so that every press changes the value.
  const pos = await slider.evaluate((el) => (Number(el.value) - Number(el.min)) / (Number(el.max) - Number(el.min)));
  const key = pos > 0.5 ? 'ArrowLeft' : 'ArrowRight';
  await slider.focus();
  for (let k = 0; k < moves; k++) {
    const n = await counts(page);
    if (c.noop) await slider.evaluate((el) => el.dispatchEvent(new Event('input', { bubbles: true })));
    else await page.keyboard.press(key);
    try {
      await settled(page, n, timeout);
      result.latencies.push(await page.evaluate(() => window.ftlab.lastLatency?.() ?? null));
      result.timings = [...(result.timings ?? []), await page.evaluate(() => window.ftlab.liveStats?.() ?? null)];
    } catch {
      result.errors.push(`move ${k + 1}: no picture within ${timeout / 1000} s (${(await page.textContent('#message')) || 'no message'})`);
      break;
    }
  }
  // A pointer drag over the slider for DRAG_MS: mouse moves sent every 16 ms (as a 60 Hz pointer sends them, without
  // waiting for each to be handled), paints per second.
  if (!c.noop) {
    const box = await slider.boundingBox();
    const y = box.y + box.height / 2;
    const x0 = box.x + box.width * 0.3;
    const cdp = await page.context().newCDPSession(page);
    const mouse = (type, x) => cdp.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1 }).catch(() => {});
    await mouse('mousePressed', x0);
    const n0 = await page.evaluate(() => window.ftlab.renderCount());
    const t0 = Date.now();
    let events = 0;
    while (Date.now() - t0 < DRAG_MS) {
      const phase = ((Date.now() - t0) / 1000) * Math.PI; // half a sweep per second
      void mouse('mouseMoved', x0 + box.width * 0.4 * Math.abs(Math.sin(phase)));
      events++;
      await new Promise((r) => setTimeout(r, 16));
    }
    const n1 = await page.evaluate(() => window.ftlab.renderCount());
    const elapsed = Date.now() - t0;
    await mouse('mouseReleased', x0);
    await cdp.detach();
    result.dragFps = (n1 - n0) / (elapsed / 1000);
    result.dragEvents = events;
    try {
      await page.waitForFunction(() => document.getElementById('plot').getAttribute('aria-busy') === null, null, { timeout });
    } catch {
      result.errors.push('still computing after the drag');
    }
  }
  const after = await page.evaluate((t) => ({
    longest: Math.max(0, ...window.__bench.longTasks.filter((e) => e.start >= t).map((e) => e.duration)),
    busyShown: window.__bench.busyShown,
    builds: window.ftlab.viewBuilds?.() ?? null,
    runs: window.ftlab.theoryRuns?.() ?? null,
  }), since);
  result.longestTaskMs = after.longest;
  result.busyShown = after.busyShown;
  result.viewBuilds = after.builds === null ? null : after.builds - hooks.builds + 1;
  result.theoryRuns = after.runs === null ? null : after.runs - hooks.runs;
  result.medianMs = median(result.latencies.filter((v) => v !== null));
  return result;
}

const out = mkdtempSync(join(tmpdir(), 'ftlab-bench-explorer-'));
const { server, url } = await startServe(out);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const loadStart = loadavg();
const results = [];
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(instrument);
  const page = await context.newPage();
  for (const c of chosen) {
    const r = await measure(page, url, c);
    delete r.candidates;
    results.push(r);
    console.error(`${c.view} ${c.noop ? '(no-op)' : r.param}: median ${round(r.medianMs, 1)} ms, drag ${round(r.dragFps ?? NaN, 1)} fps, longest task ${round(r.longestTaskMs, 0)} ms${r.errors.length ? `; ${r.errors.join('; ')}` : ''}`);
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(out, { recursive: true, force: true });
}

const TARGET = { fast: { median: 50, fps: 30 }, replica: { median: 300, fps: null }, slow: { median: null, fps: null } };
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const fmt = (x, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : round(x, d).toFixed(d));
console.log(`${pad('view', 36)} ${pad('input', 10)} ${pad('class', 8)} ${lpad('median ms', 9)} ${lpad('drag fps', 8)} ${lpad('longest task ms', 15)} ${lpad('builds', 6)} ${lpad('runs', 5)} ${lpad('busy', 4)}  verdict`);
for (const r of results) {
  const t = TARGET[r.class];
  const misses = [];
  if (t.median !== null && !(r.medianMs <= t.median)) misses.push(`median > ${t.median}`);
  if (t.fps !== null && !r.noop && !(r.dragFps >= t.fps)) misses.push(`fps < ${t.fps}`);
  if (!(r.longestTaskMs <= 100)) misses.push('task > 100');
  if (r.class !== 'fast' && !r.busyShown) misses.push('no computing state');
  if (r.errors.length) misses.push(...r.errors);
  console.log(
    `${pad(r.view, 36)} ${pad(r.noop ? '(no-op)' : r.param, 10)} ${pad(r.class, 8)} ${lpad(fmt(r.medianMs, 1), 9)} ${lpad(r.noop ? '' : fmt(r.dragFps, 1), 8)} ${lpad(fmt(r.longestTaskMs), 15)} ${lpad(r.viewBuilds ?? '–', 6)} ${lpad(r.theoryRuns ?? '–', 5)} ${lpad(r.busyShown, 4)}  ${misses.length ? misses.join(', ') : 'ok'}`,
  );
}
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, loadavgStart: loadStart, loadavgEnd: loadavg(), moves: MOVES, slowMoves: SLOW_MOVES, dragMs: DRAG_MS, results }, null, 2),
);
console.error(`wrote ${args.out}`);
