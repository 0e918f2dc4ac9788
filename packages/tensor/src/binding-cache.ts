/**
 * Bind groups and uniform blocks reused across identical launches. A model's second forward repeats the first one's
 * launches with the same uniform values, and the buffer pool hands its tensors the same buffers again, so most of
 * its launches find their bind group already made: no createBindGroup and no uniform upload per launch (host work
 * per launch is what a fast GPU waits on). Uniform blocks are kept by content in buffers of their own, written once;
 * bind groups by (layout, uniform block, buffers). A bind group is forgotten when one of its buffers is destroyed
 * (the pool says so). Both caches are bounded: past MAX_UNIFORMS blocks the arena serves uniforms as before (and
 * those launches are not cached); past MAX_GROUPS the oldest bind groups are dropped.
 */
import { UniformArena, type UniformSlot } from './uniform-arena.js';

const MAX_UNIFORMS = 4096;
const MAX_GROUPS = 16384;

interface CachedUniform extends UniformSlot {
  id: number;
}

export class BindingCache {
  private ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  private uniforms = new Map<string, CachedUniform>();
  /** Where cached blocks live: an arena that is never told its encoder was submitted, so nothing is reused. */
  private readonly store: UniformArena;
  private groups = new Map<string, GPUBindGroup>();
  private byBuffer = new Map<number, Set<string>>();
  hits = 0;
  misses = 0;

  constructor(private readonly device: GPUDevice) {
    this.store = new UniformArena(device);
  }

  private id(buf: GPUBuffer): number {
    let i = this.ids.get(buf);
    if (i === undefined) this.ids.set(buf, (i = this.nextId++));
    return i;
  }

  /** A uniform block with this content, written once and kept; null when the cache is full. */
  uniform(data: ArrayBufferView): CachedUniform | null {
    const words = new Uint32Array(data.buffer, data.byteOffset, Math.floor(data.byteLength / 4));
    const key = `${data.byteLength}:${words.join(',')}`;
    const hit = this.uniforms.get(key);
    if (hit) return hit;
    if (this.uniforms.size >= MAX_UNIFORMS) return null;
    const slot: CachedUniform = { ...this.store.slot(data), id: this.nextId++ };
    this.uniforms.set(key, slot);
    return slot;
  }

  /** The bind group of a launch whose uniform block (if any) came from uniform(): made once per distinct binding. */
  bindGroup(layoutKey: string, layout: GPUBindGroupLayout, u: CachedUniform | null, buffers: GPUBuffer[], label: string): GPUBindGroup {
    const ids = buffers.map((b) => this.id(b));
    const key = `${layoutKey}|${u ? u.id : '-'}|${ids.join(',')}`;
    const hit = this.groups.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const group = this.create(layout, u, buffers, label);
    if (this.groups.size >= MAX_GROUPS) this.forgetKey(this.groups.keys().next().value as string);
    this.groups.set(key, group);
    for (const i of new Set(ids)) {
      let s = this.byBuffer.get(i);
      if (!s) this.byBuffer.set(i, (s = new Set()));
      s.add(key);
    }
    return group;
  }

  /** A bind group of a uniform block (if any) in binding 0, then the buffers in order; not kept. */
  create(layout: GPUBindGroupLayout, u: UniformSlot | null, buffers: GPUBuffer[], label: string): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    if (u) entries.push({ binding: 0, resource: { buffer: u.buffer, offset: u.offset, size: u.size } });
    for (const buffer of buffers) entries.push({ binding: entries.length, resource: { buffer } });
    return this.device.createBindGroup({ layout, entries, label });
  }

  /** A buffer is being destroyed: drop every bind group that holds it. */
  forget(buf: GPUBuffer): void {
    const i = this.ids.get(buf);
    if (i === undefined) return;
    for (const key of this.byBuffer.get(i) ?? []) this.forgetKey(key);
    this.byBuffer.delete(i);
  }

  private forgetKey(key: string): void {
    this.groups.delete(key);
    for (const part of key.split('|')[2].split(',')) this.byBuffer.get(Number(part))?.delete(key);
  }

  get size(): number {
    return this.groups.size;
  }
}
