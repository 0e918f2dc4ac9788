/**
 * Renders the library's progress events for a person: on a terminal one redrawn line per phase (finished with a
 * newline), elsewhere (logs, CI, pipes) plain lines at the start, every 10 % or 10 s, and at the end.
 * bin/clearclip.js runs the program with stderr piped through a filter; it passes the terminal's width in
 * CLEARCLIP_STDERR_TTY so the redrawn form survives that.
 */
import type { ProgressEvent } from '../progress.js';

const UNIT_NAMES: Record<ProgressEvent['unit'], string> = { bytes: 'MiB', tensors: 'tensors', classes: 'classes', windows: 'windows' };

function amount(n: number, unit: ProgressEvent['unit']): string {
  return unit === 'bytes' ? (n / 1048576).toFixed(1) : String(n);
}

function rateText(e: ProgressEvent): string {
  if (e.rate === undefined || !Number.isFinite(e.rate)) return '';
  return e.unit === 'bytes' ? `, ${(e.rate / 1048576).toFixed(1)} MiB/s` : e.phase === 'queries' ? `, ${e.rate.toFixed(1)} prompts/s` : '';
}

export function describeEvent(e: ProgressEvent): string {
  const what = `${e.phase} ${e.name}`;
  if (e.status === 'cached') return `${what}: cached${e.detail ? ` (${e.detail})` : ''}`;
  if (e.status === 'start') return `${what}: started`;
  const of = e.total
    ? `${amount(e.loaded, e.unit)}/${amount(e.total, e.unit)} ${UNIT_NAMES[e.unit]}`
    : e.loaded
      ? `${amount(e.loaded, e.unit)} ${UNIT_NAMES[e.unit]}`
      : '';
  const pct = e.total ? ` (${Math.floor((100 * e.loaded) / e.total)}%)` : '';
  const tail = e.status === 'done' ? ` done in ${e.elapsed.toFixed(1)} s` : '';
  return `${what}:${of ? ' ' + of : ''}${pct}${rateText(e)}${tail}${e.detail && e.status === 'done' ? ` (${e.detail})` : ''}`;
}

export interface PrinterOptions {
  stream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Force the terminal (true) or plain-line (false) form; default from the stream and CLEARCLIP_STDERR_TTY. */
  tty?: boolean;
  now?: () => number;
}

export interface ProgressPrinter {
  event(e: ProgressEvent): void;
  /** A plain message; ends a redrawn line first so the two do not overwrite each other. */
  log(msg: string): void;
}

export function progressPrinter(opts: PrinterOptions = {}): ProgressPrinter {
  const stream = opts.stream ?? process.stderr;
  const envTty = process.env.CLEARCLIP_STDERR_TTY;
  const tty = opts.tty ?? (Boolean(stream.isTTY) || Boolean(envTty));
  const columns = (stream.columns ?? Number(envTty)) || 100;
  const now = opts.now ?? (() => Date.now());
  let open = false; // a redrawn line is on screen without its newline
  let lastDraw = 0;
  const plainState = new Map<string, { step: number; at: number }>();
  const event = (e: ProgressEvent): void => {
    const line = describeEvent(e);
    const terminal = e.status === 'done' || e.status === 'cached';
    if (tty) {
      const t = now();
      if (!terminal && e.status !== 'start' && t - lastDraw < 100) return;
      lastDraw = t;
      stream.write(`\r${line.slice(0, columns - 1)}\x1b[K${terminal ? '\n' : ''}`);
      open = !terminal;
      return;
    }
    const key = `${e.phase}\0${e.name}`;
    if (e.status === 'start') {
      plainState.set(key, { step: 0, at: now() });
      if (e.phase === 'download' || e.phase === 'queries' || e.phase === 'convert') stream.write(`${line}\n`);
      return;
    }
    if (terminal) {
      plainState.delete(key);
      stream.write(`${line}\n`);
      return;
    }
    const s = plainState.get(key) ?? { step: 0, at: now() };
    if (e.total && e.loaded >= e.total) return; // its 'done' line follows
    const step = e.total ? Math.floor((10 * e.loaded) / e.total) : s.step;
    if (step > s.step || now() - s.at >= 10_000) {
      plainState.set(key, { step, at: now() });
      stream.write(`${line}\n`);
    }
  };
  const log = (msg: string): void => {
    if (open) stream.write('\n');
    open = false;
    stream.write(`${msg}\n`);
  };
  return { event, log };
}
