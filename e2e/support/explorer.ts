/**
 * Shared by the explorer's browser tests: where the built CLI and the screenshots live, Debian's Chromium with the
 * flags this machine needs (never a downloaded browser), and `ftlab serve` started on a free port for an output folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');
/** The built CLI (the e2e script builds it first). */
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
/** Where the tests write their screenshots. */
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
/** Debian's Chromium, or FTLAB_CHROMIUM. */
export const CHROMIUM = process.env.FTLAB_CHROMIUM ?? '/usr/bin/chromium';
/** Headless flags: no sandbox as root, no GPU, and none of Chromium's own network traffic (the machine has none). */
export const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launch Chromium headless (and make the screenshot folder); a missing browser is an error that says how to get it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set FTLAB_CHROMIUM`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Start `ftlab serve --out outDir --port 0`; resolves with the process and the page's URL once it prints it. */
export function startExplorerServer(outDir: string): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(process.execPath, [CLI, 'serve', '--out', outDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /ftlab explorer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m) resolve({ server, url: m[1] });
    });
    server.stderr!.on('data', (b: Buffer) => (text += b.toString()));
    server.on('exit', (code) => reject(new Error(`ftlab serve exited (${code}): ${text}`)));
  });
}

/** `ftlab serve` on an output folder with Chromium and one page open on it (a page error fails the test). */
export interface ExplorerSession {
  baseUrl: string;
  browser: Browser;
  page: Page;
  /** Close the browser and stop the server. */
  close(): Promise<void>;
}

/** Serve `outDir`, launch Chromium and open a page with `pageOptions` (default 1440×900). */
export async function openExplorer(outDir: string, pageOptions: BrowserContextOptions = { viewport: { width: 1440, height: 900 } }): Promise<ExplorerSession> {
  const { server, url } = await startExplorerServer(outDir);
  const browser = await launchChromium();
  const page = await browser.newPage(pageOptions);
  page.on('pageerror', (e) => {
    throw e;
  });
  return {
    baseUrl: url,
    browser,
    page,
    async close() {
      await browser.close();
      server.kill('SIGTERM');
    },
  };
}
