/**
 * The tuned choices a device uses now, filled from the cache or by the tuner, and consulted synchronously at each
 * matmul launch. CLEARCLIP_TUNE=off ignores them (heuristics only: tests and reproducible benches).
 */

const chosen = new WeakMap<object, Map<string, string>>();

export function tuningEnabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.CLEARCLIP_TUNE !== 'off';
}

export function tunedChoice(dev: object, key: string): string | undefined {
  return chosen.get(dev)?.get(key);
}

export function setTunedChoice(dev: object, key: string, variant: string): void {
  let m = chosen.get(dev);
  if (!m) chosen.set(dev, (m = new Map()));
  m.set(key, variant);
}

/** Forget a device's tuned choices (benches comparing heuristic and tuned picks in one process). */
export function clearTunedChoices(dev: object): void {
  chosen.delete(dev);
}
