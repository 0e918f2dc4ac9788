// Messages between the page (main.ts) and the model worker (worker.ts).
import type { LoadProgress, PresetName, LastBlockForm } from 'clearclip/browser';

export interface ModelChoice {
  /** "ViT-B-16|openai" (the hub model table) or "repo:<owner/name>". */
  backbone: string;
  endpoint?: string;
  tokenizerRepo?: string;
  dtype: 'auto' | 'f32' | 'f16';
}

export type ToWorker = {
  type: 'segment';
  id: number;
  model: ModelChoice;
  image: Blob;
  classes: string;
  form: PresetName | LastBlockForm;
};

export type FromWorker =
  | { type: 'progress'; p: LoadProgress }
  | { type: 'loaded'; adapter: string; dtype: string; loadTimings: Record<string, number>; fromCache: boolean }
  | {
      type: 'result';
      id: number;
      width: number;
      height: number;
      pred: Int32Array;
      /** The photo blended with the class colours, RGB (the legend is the page's HTML list). */
      overlay: Uint8Array;
      classNames: string[];
      shares: number[];
      colours: [number, number, number][];
      timings: Record<string, number>;
    }
  | { type: 'error'; id?: number; message: string };
