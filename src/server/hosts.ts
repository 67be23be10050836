/**
 * Which `Host` headers `ftlab serve` answers (a defence against DNS rebinding: a web page whose own name has been
 * pointed at 127.0.0.1 still sends that name as its Host, so it is refused and cannot read the output folder).
 *
 * A server bound to one address answers Host headers naming that address, `localhost` or `127.0.0.1` (and `[::1]`
 * when bound to `::1` or `localhost`), each with the serving port; the port may be left out only when it is 80, as
 * browsers do. A server bound to every interface (`0.0.0.0`, `::`) was opened to the network on purpose: it answers
 * any Host, and `ftlab serve` warns about it when it starts.
 */
import { isIP } from 'node:net';

/** Whether binding `host` listens on every network interface (`0.0.0.0`, `::` and their spellings). */
export function isWildcardHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === '0.0.0.0') return true;
  if (isIP(h) !== 6) return false;
  return /^[0:]+$/.test(h);
}

/** `name` as it appears in a Host header: lower case, IPv6 literals in brackets. */
function hostName(name: string): string {
  const h = name.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return isIP(h) === 6 ? `[${h}]` : h;
}

/**
 * The Host header values a server bound to `bound` on `port` answers (each `name:port`), or `'any'` when it listens
 * on every interface.
 */
export function allowedHosts(bound: string, port: number): string[] | 'any' {
  if (isWildcardHost(bound)) return 'any';
  const names = [hostName(bound), '127.0.0.1', 'localhost'];
  if (names[0] === 'localhost' || names[0] === '[::1]') names.push('[::1]');
  return [...new Set(names)].map((n) => `${n}:${port}`);
}

/** Whether a request with Host header `header` (undefined: none sent) may be answered by a server bound to `bound` on `port`. */
export function hostAllowed(header: string | undefined, bound: string, port: number): boolean {
  const allowed = allowedHosts(bound, port);
  if (allowed === 'any') return true;
  if (header === undefined) return false;
  const h = header.trim().toLowerCase();
  const m = /^(\[[^\]]*\]|[^:\[\]]*)(?::(\d+))?$/.exec(h);
  if (!m || m[1] === '') return false;
  return allowed.includes(`${m[1]}:${m[2] === undefined ? 80 : Number(m[2])}`);
}

/** The plain-text reason of a refused Host, naming the header and the addresses that are answered. */
export function hostRefusal(header: string | undefined, bound: string, port: number): string {
  const allowed = allowedHosts(bound, port);
  const names = allowed === 'any' ? 'any' : allowed.join(', ');
  const got = header === undefined ? 'no Host header' : `Host ${JSON.stringify(header)}`;
  return `forbidden: ${got} is not this server's address (expected one of ${names})\n`;
}
