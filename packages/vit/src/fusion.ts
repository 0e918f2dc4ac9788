/**
 * The towers' two fused paths, one switch each:
 * - attention: one launch per block (the fused kernel: no L x L scores, no head permutes) instead of matmul ->
 *   softmax -> matmul, the reference;
 * - layer norm: ln_1 and ln_2 folded into the projection after them (the matmul's LN_A prologue) instead of a
 *   launch of their own and an [L, W] round trip through memory.
 * Both cut launches per forward (ViT-B/16 vision: 117 -> 69 with both), which is what a hardware GPU waits on; on a CPU
 * adapter both cost time (each workgroup recomputes its rows' statistics; the fused attention re-reads keys per
 * query block), measured with `npm run bench -- --model`. So unless told otherwise they follow the adapter: on for
 * hardware GPUs, off for software adapters. CLEARCLIP_ATTENTION=fused|unfused and CLEARCLIP_LAYERNORM=fused|separate
 * (Node), or useFusedAttention / useFusedLayerNorm (true, false, or null for the adapter's default), override.
 * Every path matches the fixtures (test/vit, test/clearclip parity).
 */
import { type DeviceHost, hostAdapterClass } from '@clearclip/tensor';

function fromEnv(name: string, on: string, off: string): boolean | null {
  const v = typeof process !== 'undefined' ? process.env?.[name] : undefined;
  if (v === undefined || v === '') return null;
  if (v === on) return true;
  if (v === off) return false;
  throw new Error(`${name} must be "${on}" or "${off}", got "${v}"`);
}

let attention: boolean | null | undefined;
let layerNormFold: boolean | null | undefined;

/** Hardware GPUs default to the fused paths; software adapters, and hosts that are not a GpuDevice, to separate launches. */
function hardware(dev?: DeviceHost): boolean {
  return hostAdapterClass(dev) === 'hardware';
}

/** Force the fused attention path on or off for every block; null returns to the adapter's default. */
export function useFusedAttention(on: boolean | null): void {
  attention = on;
}

/** Whether blocks on this device take the fused attention path (without a device: only an explicit choice counts). */
export function fusedAttentionEnabled(dev?: DeviceHost): boolean {
  if (attention === undefined) attention = fromEnv('CLEARCLIP_ATTENTION', 'fused', 'unfused');
  return attention ?? hardware(dev);
}

/** Force ln_1 / ln_2 folded into the next projection on or off; null returns to the adapter's default. */
export function useFusedLayerNorm(on: boolean | null): void {
  layerNormFold = on;
}

/** Whether blocks on this device fold their layer norms into the projections after them. */
export function fusedLayerNormEnabled(dev?: DeviceHost): boolean {
  if (layerNormFold === undefined) layerNormFold = fromEnv('CLEARCLIP_LAYERNORM', 'fused', 'separate');
  return layerNormFold ?? hardware(dev);
}
