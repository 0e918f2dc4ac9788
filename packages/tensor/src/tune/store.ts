/**
 * Where tuned choices persist. The tensor package runs in browsers too, so the tuner talks to this interface;
 * node-store.ts keeps one JSON file per adapter under $CLEARCLIP_CACHE/tune/, memoryTuneStore() serves tests and
 * browsers without storage.
 */

export interface TunedCandidate {
  variant: string;
  /** Median time per launch in milliseconds; null when rejected before timing. */
  ms: number | null;
  /** Agreed with the reference kernel within the op's tolerance on this shape. */
  ok: boolean;
  note?: string;
}

export interface TunedEntry {
  winner: string;
  heuristic: string;
  /** Hash of the family's kernel sources and variant list when tuned: a different current hash makes it stale. */
  kernelHash: string;
  /** The shape that was timed for this bucket. */
  shape: string;
  timing: 'timestamp-query' | 'wall-clock';
  candidates: TunedCandidate[];
  /**
   * Where the sweep found a candidate at least MIN_GAIN faster than the heuristic's pick: the median gain over
   * alternating rounds of the two (the candidate wins only if that is still >= MIN_GAIN).
   */
  confirmation?: { rounds: number; gain: number };
  tunedAt: string;
}

export interface TuneFile {
  version: 1;
  adapter: string;
  description: string;
  entries: Record<string, TunedEntry>;
}

export interface TuneStore {
  /** The adapter's file, or null when there is none (or it is unreadable: tuning again is always safe). */
  load(adapter: string): Promise<TuneFile | null>;
  save(adapter: string, file: TuneFile): Promise<void>;
  /** Where it lives, for messages. */
  where(adapter: string): string;
}

export function memoryTuneStore(): TuneStore {
  const files = new Map<string, string>();
  return {
    async load(adapter) {
      const s = files.get(adapter);
      return s ? (JSON.parse(s) as TuneFile) : null;
    },
    async save(adapter, file) {
      files.set(adapter, JSON.stringify(file));
    },
    where: (adapter) => `memory:${adapter}`,
  };
}
