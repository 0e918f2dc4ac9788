/** What the tuner and the heuristics need to know about an adapter: a stable name and its class. */
import type { GpuDevice } from '../device.js';
import type { DeviceHost } from '../host.js';

export type AdapterClass = 'software' | 'hardware';

/**
 * Identifies an adapter and driver for the tuning cache (also its file name): vendor, architecture, device, driver
 * description and backend, lower-cased to [a-z0-9.-]. A driver update changes the description and so starts a new
 * cache, which is what we want: timings do not carry across drivers.
 */
export function adapterFingerprint(dev: GpuDevice): string {
  const a = dev.adapterDescription;
  const raw = [a.vendor, a.architecture, a.device, a.description, a.backend].filter(Boolean).join('-') || 'unknown-adapter';
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 160);
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|warp|softpipe|microsoft basic render/i;

/** Software adapters (CPU rasterisers) report isFallbackAdapter; older Dawns do not, so names are checked too. */
export function adapterClass(dev: GpuDevice): AdapterClass {
  const info = (dev.adapter.info ?? {}) as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  if (info.isFallbackAdapter) return 'software';
  const a = dev.adapterDescription;
  if (a.architecture === 'software' || SOFTWARE.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`)) return 'software';
  return 'hardware';
}

/** The class of a host's adapter, or null for a host that is not a GpuDevice (it has no adapter to classify). */
export function hostAdapterClass(dev: DeviceHost | GpuDevice | undefined): AdapterClass | null {
  return dev && 'adapterDescription' in dev ? adapterClass(dev as GpuDevice) : null;
}
