/**
 * Runs before every test file. Vitest's worker talks to the main process over a channel whose replies are read
 * only when the worker's event loop reaches its I/O phase; tests that compute synchronously back to back yield only
 * microtasks, so on a loaded 2-core machine a file of heavy numerical tests can keep a reply unread for more than
 * the channel's 60 s timeout ("Timeout calling onTaskUpdate"), failing a green run. One macrotask turn after each test
 * lets the worker read its replies.
 */
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
