/**
 * Compiled compute pipelines, one per (program, specialisation, binding layout), and the bind group layouts they
 * use (uniforms, read-only inputs, read-write outputs, in that order in group 0).
 */
import { type Defines, kernelSource, specialize } from './kernel-source.js';
import { type KernelDescriptor, kernelDescriptor } from './kernel-descriptor.js';

type Entry = { binding: number; visibility: number; buffer: { type: GPUBufferBindingType } };
export interface Layout {
  bgl: GPUBindGroupLayout;
  pl: GPUPipelineLayout;
}

export class PipelineCache {
  private pipelines = new Map<string, GPUComputePipeline>();
  private layouts = new Map<string, Layout>();

  /** beforeCompile: runs before a shader module is made (the recorder opens its error scopes, so errors name it). */
  constructor(
    private readonly device: GPUDevice,
    private readonly beforeCompile: () => void,
  ) {}

  get size(): number {
    return this.pipelines.size;
  }

  layout(nUniform: number, nIn: number, nOut: number): Layout {
    const key = `${nUniform}/${nIn}/${nOut}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: Entry[] = [];
      let b = 0;
      for (let i = 0; i < nUniform; i++) entries.push({ binding: b++, visibility: 4, buffer: { type: 'uniform' } });
      for (let i = 0; i < nIn; i++) entries.push({ binding: b++, visibility: 4, buffer: { type: 'read-only-storage' } });
      for (let i = 0; i < nOut; i++) entries.push({ binding: b++, visibility: 4, buffer: { type: 'storage' } });
      const bgl = this.device.createBindGroupLayout({ entries, label: key });
      l = { bgl, pl: this.device.createPipelineLayout({ bindGroupLayouts: [bgl] }) };
      this.layouts.set(key, l);
    }
    return l;
  }

  /**
   * The pipeline for a kernel and a specialisation; compiled once. The program comes from the descriptor given, else
   * from the descriptor registered under the kernel's name (a launch by name), else from the source as registered.
   */
  pipeline(kernel: string, defines: Defines, nUniform: number, nIn: number, nOut: number, descriptor = kernelDescriptor(kernel)): GPUComputePipeline {
    const r = this.request(kernel, defines, nUniform, nIn, nOut, descriptor);
    let p = this.pipelines.get(r.key);
    if (!p) {
      this.beforeCompile();
      const module = this.device.createShaderModule({ code: r.code(), label: r.label });
      p = this.device.createComputePipeline({ layout: this.layout(nUniform, nIn, nOut).pl, compute: { module, entryPoint: 'main' }, label: r.label });
      this.pipelines.set(r.key, p);
    }
    return p;
  }

  /** The cache key, label and (lazily) the WGSL of a launch's pipeline, without compiling anything. */
  request(kernel: string, defines: Defines, nUniform: number, nIn: number, nOut: number, descriptor = kernelDescriptor(kernel)): PipelineRequest {
    const dkey = Object.keys(defines)
      .sort()
      .map((k) => `${k}=${defines[k]}`)
      .join(',');
    const id = descriptor?.id ?? kernel;
    return {
      key: `${id}|${dkey}|${nUniform}/${nIn}/${nOut}`,
      label: dkey ? `${id}(${dkey})` : id,
      code: () => (descriptor ? descriptor.program(defines) : specialize(kernel, kernelSource(kernel), defines)),
      layout: [nUniform, nIn, nOut],
    };
  }

  /**
   * Create the given pipelines with createComputePipelineAsync, all at once, so that a driver that compiles at
   * creation (hardware Vulkan, D3D, Metal) can compile them in parallel off the calling thread. One that fails is
   * left out: its first launch compiles it the usual way and reports the error there, in context.
   */
  async compileAll(requests: PipelineRequest[]): Promise<number> {
    const todo = requests.filter((r) => !this.pipelines.has(r.key));
    const made = await Promise.all(
      todo.map(async (r) => {
        try {
          const module = this.device.createShaderModule({ code: r.code(), label: r.label });
          const p = await this.device.createComputePipelineAsync({ layout: this.layout(...r.layout).pl, compute: { module, entryPoint: 'main' }, label: r.label });
          if (!this.pipelines.has(r.key)) this.pipelines.set(r.key, p);
          return 1;
        } catch {
          return 0;
        }
      }),
    );
    return made.reduce<number>((a, b) => a + b, 0);
  }
}

/** A pipeline some launch needs: its cache key, label, source and binding layout (uniforms, inputs, outputs). */
export interface PipelineRequest {
  key: string;
  label: string;
  code: () => string;
  layout: [number, number, number];
}
