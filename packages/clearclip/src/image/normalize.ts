import type { RgbImage } from './types.js';
import { checkRgbImage } from './types.js';

/** mmseg SegDataPreProcessor defaults used by ClearCLIP's configs (OpenAI CLIP's mean/std on the 0..255 scale). */
export const CLIP_MEAN_255 = [122.771, 116.746, 104.094];
export const CLIP_STD_255 = [68.501, 66.632, 70.323];

/**
 * A model's own input normalisation (OpenCLIP preprocess_cfg mean/std, 0..1 scale; OpenAI's when the config has
 * none) on the 0..255 scale mmseg's SegDataPreProcessor works on, rounded to 3 decimals as ClearCLIP's configs
 * write it: OpenAI CLIP's mean/std become exactly CLIP_MEAN_255 / CLIP_STD_255, the constants upstream
 * normalised with, so parity stays exact, and a model trained with other statistics is fed its own.
 */
export function segmentationNormalisation(cfg: { mean: readonly number[]; std: readonly number[] }): { mean: number[]; std: number[] } {
  const to255 = (v: readonly number[]) => v.map((x) => Math.round(x * 255 * 1000) / 1000);
  return { mean: to255(cfg.mean), std: to255(cfg.std) };
}

/**
 * RGB uint8 [H, W, 3] -> Float32Array NCHW [1, 3, H, W] with (x - mean[c]) / std[c], evaluated in float32 as
 * torch does on a float tensor (mean and std rounded to float32, one rounding after each operation).
 */
export function normalizeToNchw(img: RgbImage, mean: number[] = CLIP_MEAN_255, std: number[] = CLIP_STD_255): Float32Array {
  checkRgbImage(img, 'normalizeToNchw');
  if (mean.length !== 3 || std.length !== 3) throw new Error(`normalizeToNchw: mean and std need 3 values, got mean [${mean}] std [${std}]`);
  if (std.some((s) => !(s !== 0 && Number.isFinite(s)))) throw new Error(`normalizeToNchw: std must be finite and non-zero, got [${std}]`);
  const plane = img.width * img.height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    // 256 possible inputs per channel: a table keeps the float32 semantics without per-pixel fround calls.
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = Math.fround(Math.fround(v - m) / s);
    const o = c * plane;
    for (let p = 0; p < plane; p++) out[o + p] = lut[img.data[3 * p + c]];
  }
  return out;
}
