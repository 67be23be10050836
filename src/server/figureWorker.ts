/**
 * worker_threads entry point of `ftlab serve`'s figure builder: receives (output folder, sweep) requests, rebuilds
 * each sweep's figure from the stored runs and posts back its JSON text, or the error in the CLI's wording.
 */
import { parentPort } from 'node:worker_threads';
import { sweepFigure } from './sweepFigure.js';
import type { FigureReply, FigureRequest } from './figures.js';

if (!parentPort) throw new Error('figureWorker.ts must run inside a worker thread');
const port = parentPort;
port.on('message', (req: FigureRequest) => {
  let reply: FigureReply;
  try {
    reply = { id: req.id, ok: true, body: JSON.stringify(sweepFigure(req.outDir, req.sweep)) };
  } catch (e) {
    reply = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e), range: e instanceof RangeError };
  }
  port.postMessage(reply);
});
