/**
 * The tuned choices a device uses now, filled from the cache or by the tuner, and consulted synchronously at each
 * matmul launch. CLEARCLIP_TUNE=off ignores them (heuristics only: tests and reproducible benches).
 */
import type { GpuDevice } from '../device.js';

const chosen = new WeakMap<GpuDevice, Map<string, string>>();

export function tuningEnabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.CLEARCLIP_TUNE !== 'off';
}

export function tunedChoice(dev: GpuDevice, key: string): string | undefined {
  return chosen.get(dev)?.get(key);
}

export function setTunedChoice(dev: GpuDevice, key: string, variant: string): void {
  let m = chosen.get(dev);
  if (!m) chosen.set(dev, (m = new Map()));
  m.set(key, variant);
}

/** Forget a device's tuned choices (benches comparing heuristic and tuned picks in one process). */
export function clearTunedChoices(dev: GpuDevice): void {
  chosen.delete(dev);
}
