/**
 * One progress event shape for every phase of loading and segmenting (after transformers.js's progress_callback):
 * the library emits, the CLI renders (cli/progress-printer.ts), a page could draw bars from the same events.
 *
 *   download  bytes of one hub file (name = repo/file); 'cached' when the hub cache already has the model
 *   convert   tensors of the checkpoint converted to the runtime layout; 'cached' when a converted copy exists
 *   load      the runtime weights read onto the device
 *   queries   classes whose text-query features are done (rate in prompts/s); 'cached' when all came from disk
 *   windows   sliding windows through the vision tower, per image
 *
 * Within a phase: one 'start', any number of 'progress' (loaded never decreasing), one 'done' with loaded = total;
 * or a single 'cached'.
 */
export type ProgressPhase = 'download' | 'convert' | 'load' | 'queries' | 'windows';
export type ProgressStatus = 'start' | 'progress' | 'done' | 'cached';

export interface ProgressEvent {
  phase: ProgressPhase;
  status: ProgressStatus;
  /** What the phase works on: a hub file, a checkpoint, a class list, an image. */
  name: string;
  /** Units done and in all (bytes, tensors, classes, windows); total is null when a server does not say. */
  loaded: number;
  total: number | null;
  unit: 'bytes' | 'tensors' | 'classes' | 'windows';
  /** Seconds since the phase started. */
  elapsed: number;
  /** Work per second where it means something to a person: bytes/s for downloads, prompts/s for queries. */
  rate?: number;
  /** A short note, e.g. where a cached file lies. */
  detail?: string;
}

export type ProgressCallback = (e: ProgressEvent) => void;

/** Emits the events of one phase with consistent timing, monotone `loaded` and exactly one terminal event. */
export class PhaseReporter {
  /** Elapsed time counts from start() (a reporter may be made before its phase begins, as segment's windows). */
  private t0 = performance.now();
  private last = 0;
  private ended = false;

  constructor(
    private readonly cb: ProgressCallback | undefined,
    private readonly phase: ProgressPhase,
    private readonly name: string,
    private readonly unit: ProgressEvent['unit'],
    private total: number | null,
  ) {}

  private emit(status: ProgressStatus, loaded: number, extra: Partial<ProgressEvent> = {}): void {
    if (!this.cb || this.ended) return;
    this.last = Math.max(this.last, loaded);
    if (status === 'done' || status === 'cached') this.ended = true;
    this.cb({ phase: this.phase, status, name: this.name, loaded: this.last, total: this.total, unit: this.unit, elapsed: (performance.now() - this.t0) / 1000, ...extra });
  }

  start(): this {
    this.t0 = performance.now();
    this.emit('start', 0);
    return this;
  }

  progress(loaded: number, extra: { total?: number | null; rate?: number } = {}): void {
    if (extra.total !== undefined) this.total = extra.total;
    this.emit('progress', loaded, extra.rate === undefined ? {} : { rate: extra.rate });
  }

  done(extra: { rate?: number; detail?: string } = {}): void {
    const n = this.total ?? this.last;
    this.total = n;
    this.emit('done', n, extra);
  }

  cached(detail?: string): void {
    this.emit('cached', this.total ?? 0, detail ? { detail } : {});
  }
}
