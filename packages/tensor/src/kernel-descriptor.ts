/**
 * Kernel descriptors: what a dispatch needs to know about a kernel, said once. A descriptor owns the kernel's
 * workgroup size (injected into the WGSL as `const WG: u32`, so no op and no .wgsl file writes it again), any
 * further constants it fixes (a matmul tile), its bindings (checked at each launch), its grid rule (how a launch's
 * item count becomes workgroups) and, for the two common grid rules, its entry point (kernels/lib/entry_*.wgsl),
 * so that the entry prologue exists once.
 *
 * Several descriptors may share one WGSL kernel as variants with their own constants and workgroup sizes (matmul's
 * tall and short tiles); an op picks among its variants, and a tuner can list them with kernelDescriptors().
 *
 * Adding a kernel: kernels/NAME.wgsl (defining perInvocation(i) or perWorkgroup(w, lid), or its own entry point),
 * a descriptor beside the op that launches it, a reference in reference/, and a row in the case table.
 */
import { type Defines, kernelSource, snippetSource, specialize } from './kernel-source.js';
import { ceilDiv, grid1d } from './ops/grid.js';
import type { DispatchHost, DispatchSpec, Workgroups } from './host.js';
import type { Tensor } from './tensor.js';

/**
 * How a launch's size becomes a workgroup grid, and which entry point the kernel gets:
 * - perInvocation: one invocation per item; the kernel defines `fn perInvocation(i: u32)`.
 * - perWorkgroup: one workgroup per item (a row it reduces); the kernel defines `fn perWorkgroup(w: u32, lid: u32)`.
 * - own: the kernel writes its own entry point (`@workgroup_size(WG)`) and each launch gives its workgroups.
 */
export type GridRule = 'perInvocation' | 'perWorkgroup' | 'own';

const ENTRY_SNIPPET: Record<GridRule, string | null> = {
  perInvocation: 'entry_per_invocation',
  perWorkgroup: 'entry_per_workgroup',
  own: null,
};

export interface KernelDescriptorInit {
  /** The WGSL kernel (registered name: its file name). */
  kernel: string;
  /** Distinguishes descriptors of one kernel (variants); the id is `kernel` or `kernel:variant`. */
  variant?: string;
  /** Invocations per workgroup, injected as `const WG: u32` (x) and for a 2-D workgroup `const WG_Y: u32`. */
  workgroupSize: number | readonly [number, number];
  grid: GridRule;
  /** Further u32 constants this descriptor fixes, injected as `const NAME: u32` (the kernel does not declare them). */
  constants?: Readonly<Record<string, number>>;
  /** Binding names in group-0 order after the optional uniform block: read-only inputs, then outputs. */
  bindings: { uniforms: boolean; inputs: readonly string[]; outputs: readonly string[] };
}

/** One launch through a descriptor: per-launch specialisations, uniforms, tensors, and the size of the grid. */
export interface KernelLaunch {
  defines?: Defines;
  uniforms?: ArrayBufferView;
  inputs: Tensor[];
  outputs: Tensor[];
  /** Items to cover (perInvocation / perWorkgroup). */
  count?: number;
  /** The grid itself (own). */
  workgroups?: Workgroups;
  /** Shown in errors and profiles; defaults to the descriptor id. */
  label?: string;
}

export class KernelDescriptor {
  readonly id: string;
  readonly kernel: string;
  readonly workgroupSize: number;
  readonly workgroupSizeY: number;
  readonly grid: GridRule;
  readonly constants: Readonly<Record<string, number>>;
  readonly bindings: KernelDescriptorInit['bindings'];

  constructor(init: KernelDescriptorInit) {
    const [x, y] = typeof init.workgroupSize === 'number' ? [init.workgroupSize, 1] : init.workgroupSize;
    if (![x, y].every((v) => Number.isInteger(v) && v >= 1)) {
      throw new Error(`kernel descriptor ${init.kernel}: workgroupSize must be positive integers, got ${init.workgroupSize}`);
    }
    if (y !== 1 && init.grid !== 'own') throw new Error(`kernel descriptor ${init.kernel}: a 2-D workgroup needs grid 'own'`);
    this.kernel = init.kernel;
    this.id = init.variant ? `${init.kernel}:${init.variant}` : init.kernel;
    this.workgroupSize = x;
    this.workgroupSizeY = y;
    this.grid = init.grid;
    this.constants = { ...init.constants };
    this.bindings = init.bindings;
  }

  /** The WGSL that runs: injected constants, the kernel with its includes and defines, and the entry point. */
  program(defines: Defines = {}): string {
    const injected = [`const WG: u32 = ${this.workgroupSize}u;`];
    if (this.workgroupSizeY !== 1) injected.push(`const WG_Y: u32 = ${this.workgroupSizeY}u;`);
    for (const [k, v] of Object.entries(this.constants)) injected.push(`const ${k}: u32 = ${v}u;`);
    const entry = ENTRY_SNIPPET[this.grid];
    // WGSL wants `enable` directives before any declaration: a kernel's own (`enable subgroups;`) move above the
    // injected constants.
    const enables: string[] = [];
    const source = kernelSource(this.kernel).replace(/^[ \t]*enable[ \t]+[A-Za-z0-9_, \t]+;[ \t]*$/gm, (line) => {
      enables.push(line.trim());
      return `// (${line.trim()} moved to the top)`;
    });
    const body = [...enables, `// ---- constants of descriptor ${this.id}`, ...injected, source];
    if (entry) body.push(snippetSource(entry));
    return specialize(this.id, body.join('\n'), defines);
  }

  /** The workgroup grid for a launch of `count` items under this descriptor's grid rule. */
  workgroupsFor(count: number, maxPerDim?: number): Workgroups {
    switch (this.grid) {
      case 'perInvocation':
        return grid1d(ceilDiv(count, this.workgroupSize), maxPerDim);
      case 'perWorkgroup':
        return grid1d(count, maxPerDim);
      case 'own':
        throw new Error(`${this.id}: the kernel has its own grid; give the launch's workgroups`);
    }
  }

  /** Record one launch on the tensors' device. */
  dispatch(host: DispatchHost, launch: KernelLaunch): void {
    const label = launch.label ?? this.id;
    const b = this.bindings;
    if (launch.inputs.length !== b.inputs.length || launch.outputs.length !== b.outputs.length || !!launch.uniforms !== b.uniforms) {
      throw new Error(
        `${label}: kernel ${this.id} binds ${b.uniforms ? 'uniforms, ' : ''}inputs (${b.inputs.join(', ')}) and outputs ` +
          `(${b.outputs.join(', ')}); the launch gave ${launch.uniforms ? 'uniforms, ' : ''}${launch.inputs.length} inputs and ${launch.outputs.length} outputs`,
      );
    }
    let workgroups = launch.workgroups;
    if (!workgroups) {
      if (launch.count === undefined) throw new Error(`${label}: a launch of ${this.id} needs a count or workgroups`);
      workgroups = this.workgroupsFor(launch.count);
    }
    const spec: DispatchSpec = {
      kernel: this.kernel,
      descriptor: this,
      defines: launch.defines,
      uniforms: launch.uniforms,
      inputs: launch.inputs,
      outputs: launch.outputs,
      workgroups,
      label,
    };
    host.dispatch(spec);
  }
}

const descriptors = new Map<string, { d: KernelDescriptor; json: string }>();

/**
 * Make and register a descriptor. An id may be defined once: a second, different definition throws (two ops would
 * otherwise launch one kernel with different workgroup sizes under one pipeline key). The identical definition
 * again returns the first (a module evaluated twice, e.g. by a bundler and by tests).
 */
export function defineKernel(init: KernelDescriptorInit): KernelDescriptor {
  const d = new KernelDescriptor(init);
  const json = JSON.stringify(init);
  const prev = descriptors.get(d.id);
  if (prev) {
    if (prev.json !== json) throw new Error(`kernel descriptor "${d.id}" defined twice, differently; give the second a variant name`);
    return prev.d;
  }
  descriptors.set(d.id, { d, json });
  return d;
}

/** Every defined descriptor, sorted by id (bundling, preloading, tuners listing the variants of an op). */
export function kernelDescriptors(): KernelDescriptor[] {
  return [...descriptors.values()].map((e) => e.d).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function kernelDescriptor(id: string): KernelDescriptor | undefined {
  return descriptors.get(id)?.d;
}
