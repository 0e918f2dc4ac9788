/**
 * Tensor lifetimes by scope: each tensor made while a scope is open joins the innermost one, and closing a scope
 * disposes its tensors except those the callback returned, which move to the enclosing scope. Kept apart from the
 * device so that how scopes are owned (one stack, or one per async call chain) can change in one place.
 */
import { Tensor } from './tensor.js';

export class ScopeStack {
  private scopes: Set<Tensor>[] = [];

  /** A new tensor joins the innermost open scope. */
  track(t: Tensor): void {
    this.scopes.at(-1)?.add(t);
  }

  untrack(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }

  /** Take a tensor out of every open scope so that it outlives them. */
  keep<T extends Tensor>(t: T): T {
    this.untrack(t);
    return t;
  }

  run<R>(fn: () => R): R {
    this.scopes.push(new Set());
    let result: R;
    try {
      result = fn();
    } catch (e) {
      this.close(undefined);
      throw e;
    }
    if (result instanceof Promise) throw new Error('scope(): callback returned a Promise; use scopeAsync()');
    this.close(result);
    return result;
  }

  /**
   * Like run() for async work. The stack is one per device, so two async scopes must not overlap in time (each
   * would adopt the other's tensors): concurrent callers serialise their GPU work (GpuDevice.exclusive). An overlap
   * is detected when a scope closes and reported instead of disposing the wrong tensors.
   */
  async runAsync<R>(fn: () => Promise<R>): Promise<R> {
    const own = new Set<Tensor>();
    this.scopes.push(own);
    let result: R;
    try {
      result = await fn();
    } catch (e) {
      this.close(undefined, own);
      throw e;
    }
    this.close(result, own);
    return result;
  }

  private close(result: unknown, own?: Set<Tensor>): void {
    if (own && this.scopes.at(-1) !== own) {
      const i = this.scopes.lastIndexOf(own);
      if (i >= 0) this.scopes.splice(i, 1);
      for (const t of own) this.scopes.at(-1)?.add(t);
      throw new Error('scopeAsync: another async scope was opened on this device and is still open; overlapping async GPU work must be serialised (GpuDevice.exclusive)');
    }
    const set = this.scopes.pop()!;
    const keep = new Set<Tensor>();
    const collect = (v: unknown, depth: number): void => {
      if (v instanceof Tensor) keep.add(v);
      else if (depth < 3 && Array.isArray(v)) v.forEach((x) => collect(x, depth + 1));
      else if (depth < 3 && v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
        Object.values(v).forEach((x) => collect(x, depth + 1));
    };
    collect(result, 0);
    for (const t of set) if (!keep.has(t)) t.dispose();
    const parent = this.scopes.at(-1);
    if (parent) for (const t of keep) if (set.has(t)) parent.add(t);
  }
}
