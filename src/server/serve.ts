/**
 * `ftlab serve`: the explorer page (the Vite build in dist/web) and read-only views of one output folder.
 *
 *  - `/`, `/assets/…`: the page's static files.
 *  - `/api/sweeps`: the sweeps recorded in the folder's results database (opened read-only).
 *  - `/api/figure?sweep=NAME`: the figure of a `reproduce` sweep, rebuilt by its preset from the stored runs (the
 *    same build as `ftlab reproduce`, without running anything) in a worker thread and cached by sweep and store
 *    state (src/server/figures.ts); the `x-ftlab-cache` header says `hit`, `miss` or `shared`.
 *  - `/out/PATH`: a file inside the output folder (figures, tables), read-only.
 *
 * Only GET and HEAD are answered. A path is served only if, after decoding and resolving symbolic links, it lies
 * inside the web root or the output folder; anything else is 404, whatever the request (`..`, encoded dots,
 * backslashes, absolute paths, NUL bytes). Binds 127.0.0.1 unless told otherwise, and answers only requests whose
 * Host header names the address it is bound to (src/server/hosts.ts); anything else is 403.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, STORE_FILE } from '../store/store.js';
import { FigureBuilds } from './figures.js';
import { hostAllowed, hostRefusal } from './hosts.js';

/** Where `ftlab serve` serves from and listens. */
export interface ServeOptions {
  outDir: string;
  port?: number;
  /** The address to bind (default 127.0.0.1); requests must name it (or localhost) in their Host header unless it is every interface. */
  host?: string;
  /** The built page (default: dist/web next to this module). */
  webRoot?: string;
}

/** A started server: its URL, and how to stop it. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The built page next to this module (dist/web). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../web/', import.meta.url));
}

/**
 * The real path of `relative` inside `root`, or null if it is not a regular file inside it. `relative` is the
 * already-decoded URL path below the mount point.
 */
export function safeFile(root: string, relative: string): string | null {
  if (relative.includes('\0') || relative.includes('\\')) return null;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return null;
  }
  const candidate = resolve(realRoot, '.' + sep + relative.replace(/^\/+/, ''));
  if (candidate !== realRoot && !candidate.startsWith(realRoot + sep)) return null;
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + sep)) return null;
  try {
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', head = false, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...extra,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : body);
}

const json = (res: ServerResponse, status: number, value: unknown, head: boolean) => send(res, status, JSON.stringify(value), TYPES['.json'], head);

const failure = (res: ServerResponse, e: unknown, head: boolean) =>
  json(res, e instanceof RangeError ? 400 : 500, { error: e instanceof Error ? e.message : String(e) }, head);

/** What a request handler needs to know about its server. */
interface Context {
  outDir: string;
  webRoot: string;
  /** The address bound and the port listened on (known once listening). */
  host: string;
  port: number;
  figures: FigureBuilds;
}

function handle(req: IncomingMessage, res: ServerResponse, context: Context): void {
  const { outDir, webRoot } = context;
  const head = req.method === 'HEAD';
  if (!hostAllowed(req.headers.host, context.host, context.port)) return send(res, 403, hostRefusal(req.headers.host, context.host, context.port), undefined, head);
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed');
  }
  let url: URL;
  let path: string;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
    path = decodeURIComponent(url.pathname);
  } catch {
    return send(res, 400, 'bad request', undefined, head);
  }
  try {
    if (path === '/api/sweeps') {
      if (!existsSync(join(outDir, STORE_FILE))) return json(res, 200, [], head);
      const store = openStore(outDir, { readonly: true });
      try {
        return json(res, 200, store.sweeps(), head);
      } finally {
        store.close();
      }
    }
    if (path === '/api/figure') {
      const name = url.searchParams.get('sweep');
      if (!name) return json(res, 400, { error: 'sweep: expected ?sweep=NAME' }, head);
      if (!existsSync(join(outDir, STORE_FILE))) return json(res, 404, { error: 'sweep: this output folder has no results database' }, head);
      context.figures.get(name).then(
        (answer) => send(res, 200, answer.body, TYPES['.json'], head, { 'x-ftlab-cache': answer.cache }),
        (e: unknown) => failure(res, e, head),
      );
      return;
    }
    if (path.startsWith('/api/')) return json(res, 404, { error: `no such endpoint ${path}` }, head);
    if (path.startsWith('/out/')) {
      const file = safeFile(outDir, path.slice('/out/'.length));
      if (!file) return send(res, 404, 'not found', undefined, head);
      return send(res, 200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream', head);
    }
    const file = safeFile(webRoot, path === '/' ? 'index.html' : path);
    if (!file) return send(res, 404, 'not found', undefined, head);
    return send(res, 200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream', head);
  } catch (e) {
    return failure(res, e, head);
  }
}

/** Start `ftlab serve`'s server on `options.host`:`options.port` (port 0: any free port). */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const outDir = resolve(options.outDir);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new RangeError(`--out: expected an existing folder (got ${options.outDir})`);
  const webRoot = options.webRoot ?? defaultWebRoot();
  if (!existsSync(join(webRoot, 'index.html'))) throw new Error(`the explorer page is not built (${join(webRoot, 'index.html')} is missing); run \`npm run build\``);
  const host = options.host ?? '127.0.0.1';
  const context: Context = { outDir, webRoot, host, port: options.port ?? 8080, figures: new FigureBuilds(outDir) };
  const server = createServer((req, res) => handle(req, res, context));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8080, host, () => ok());
  });
  const address = server.address();
  if (typeof address === 'object' && address) context.port = address.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${context.port}/`,
    close: async () => {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      await context.figures.close();
      await closed;
    },
  };
}
