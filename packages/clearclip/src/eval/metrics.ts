/**
 * MMSeg's IoUMetric. Per image, pixels whose label is the ignore index are dropped; the rest are histogrammed over
 * [0, numClasses) (torch.histc with min 0, max numClasses-1: values outside that range, predicted or labelled,
 * fall in no bin). Areas are summed over the dataset, then IoU = I/U and Acc = I/label per class, aAcc = sum(I) /
 * sum(label), and mIoU/mAcc the NaN-skipping means (a class with union 0 or label area 0 is NaN and left out).
 *
 * MMSeg keeps the areas in float32 tensors, which stop being exact past 2^24 pixels per class; here they are exact
 * integers in float64, so the summary can differ from MMSeg's only by float32 rounding (far below 0.01 %).
 */
export interface Areas {
  intersect: Float64Array;
  union: Float64Array;
  predLabel: Float64Array;
  label: Float64Array;
}

export function emptyAreas(numClasses: number): Areas {
  return {
    intersect: new Float64Array(numClasses),
    union: new Float64Array(numClasses),
    predLabel: new Float64Array(numClasses),
    label: new Float64Array(numClasses),
  };
}

/** Adds one image's areas into `acc` (MMSeg intersect_and_union, summed as compute_metrics does). */
export function accumulateImage(acc: Areas, pred: ArrayLike<number>, label: ArrayLike<number>, ignoreIndex = 255): void {
  const n = acc.intersect.length;
  if (pred.length !== label.length) {
    throw new Error(`IoU metric: prediction has ${pred.length} pixels but the label map has ${label.length}`);
  }
  const inter = new Float64Array(n);
  const predA = new Float64Array(n);
  const labA = new Float64Array(n);
  for (let i = 0; i < label.length; i++) {
    const l = label[i];
    if (l === ignoreIndex) continue;
    const p = pred[i];
    const pIn = p >= 0 && p < n;
    if (pIn) predA[p]++;
    if (l >= 0 && l < n) labA[l]++;
    if (pIn && p === l) inter[p]++;
  }
  for (let c = 0; c < n; c++) {
    acc.intersect[c] += inter[c];
    acc.predLabel[c] += predA[c];
    acc.label[c] += labA[c];
    acc.union[c] += predA[c] + labA[c] - inter[c];
  }
}

export function addAreas(into: Areas, from: Areas): void {
  const n = into.intersect.length;
  if (from.intersect.length !== n) throw new Error(`cannot add areas over ${from.intersect.length} classes to areas over ${n}`);
  for (let c = 0; c < n; c++) {
    into.intersect[c] += from.intersect[c];
    into.union[c] += from.union[c];
    into.predLabel[c] += from.predLabel[c];
    into.label[c] += from.label[c];
  }
}

export interface Metrics {
  /** Fractions in [0, 1]; NaN where undefined. */
  iou: number[];
  acc: number[];
  aAcc: number;
  mIoU: number;
  mAcc: number;
  /** Classes that entered the means. */
  validIoU: number;
  validAcc: number;
}

function nanmean(v: number[]): [number, number] {
  let s = 0;
  let k = 0;
  for (const x of v) {
    if (!Number.isNaN(x)) {
      s += x;
      k++;
    }
  }
  return [k ? s / k : NaN, k];
}

export function areasToMetrics(a: Areas): Metrics {
  const n = a.intersect.length;
  const iou: number[] = [];
  const acc: number[] = [];
  let sumI = 0;
  let sumL = 0;
  for (let c = 0; c < n; c++) {
    iou.push(a.intersect[c] / a.union[c]); // 0/0 -> NaN, as in torch
    acc.push(a.intersect[c] / a.label[c]);
    sumI += a.intersect[c];
    sumL += a.label[c];
  }
  const [mIoU, validIoU] = nanmean(iou);
  const [mAcc, validAcc] = nanmean(acc);
  return { iou, acc, aAcc: sumI / sumL, mIoU, mAcc, validIoU, validAcc };
}

/** numpy's np.round(x * 100, 2): scale, then round half to even at the 2nd decimal. */
export function percent2(x: number): number {
  if (!Number.isFinite(x)) return x;
  const y = x * 100 * 100;
  let r = Math.round(y);
  if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) r -= 1;
  return r / 100;
}
