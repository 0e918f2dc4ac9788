/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines (at most one per `lineEverySec`) otherwise, so logs
 * from batch jobs stay readable.
 */
export interface ProgressOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  label?: string;
  lineEverySec?: number;
  now?: () => number;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '--:--';
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class Progress {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly start: number;
  private lastLine = -Infinity;
  private done = 0;
  private readonly now: () => number;

  constructor(private readonly total: number, private readonly opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.now = opts.now ?? (() => performance.now() / 1000);
    this.start = this.now();
  }

  /** Images per second so far. */
  rate(): number {
    const dt = this.now() - this.start;
    return dt > 0 ? this.done / dt : 0;
  }

  elapsed(): number {
    return this.now() - this.start;
  }

  line(): string {
    const rate = this.rate();
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const pct = this.total ? (100 * this.done) / this.total : 100;
    return `${this.opts.label ?? 'eval'} ${this.done}/${this.total} (${pct.toFixed(1)}%) ${rate.toFixed(2)} img/s elapsed ${formatDuration(this.elapsed())} ETA ${formatDuration(eta)}`;
  }

  tick(n = 1): void {
    this.done += n;
    const finished = this.done >= this.total;
    if (this.tty) {
      const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 70));
      const fill = this.total ? Math.round((width * this.done) / this.total) : width;
      this.stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${this.line()}\x1b[K${finished ? '\n' : ''}`);
      return;
    }
    const t = this.now();
    if (finished || t - this.lastLine >= (this.opts.lineEverySec ?? 10)) {
      this.lastLine = t;
      this.stream.write(this.line() + '\n');
    }
  }
}
