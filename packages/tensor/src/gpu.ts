import { SETUP_HINT } from './errors.js';

export interface AdapterChoice {
  adapter: GPUAdapter;
  /** Which way we got it: the browser's navigator.gpu, Dawn's default (Vulkan/Metal/D3D) or Dawn's OpenGL ES backend. */
  backend: 'navigator' | 'dawn' | 'dawn-opengles';
  /** Kept alive so Dawn is not collected while a device is in use. */
  gpu: GPU;
}

export interface AdapterRequest {
  powerPreference?: GPUPowerPreference;
  /** Force a Dawn backend in Node ('vulkan', 'opengles', ...). Default: Dawn's choice, then OpenGL ES. */
  backend?: string;
  /**
   * Which Vulkan driver Dawn uses in Node: 'swiftshader' (Chromium's, found at $CLEARCLIP_SWIFTSHADER_ICD or
   * /usr/lib/chromium/vk_swiftshader_icd.json) or 'default' (the system's, lavapipe on our CI). Also set by
   * $CLEARCLIP_ADAPTER. SwiftShader is a second software adapter with a different shape (4-wide subgroups, no
   * shader-f16): kernel tests run on both.
   */
  adapter?: 'default' | 'swiftshader';
}

export const SWIFTSHADER_ICD_DEFAULT = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The SwiftShader Vulkan ICD manifest this process would use. */
export function swiftShaderIcd(): string {
  return process.env.CLEARCLIP_SWIFTSHADER_ICD ?? SWIFTSHADER_ICD_DEFAULT;
}

/**
 * Point the Vulkan loader at SwiftShader. The loader reads VK_ICD_FILENAMES when Dawn creates its instance, so
 * this must run before dawn.create(); it affects every Dawn instance the process creates afterwards.
 */
// (No file check here: this module is also bundled for browsers, so it imports no node:* module. A missing manifest
// shows up as Dawn returning no SwiftShader adapter, and that error names the manifest and how to install it.)
async function useSwiftShader(): Promise<void> {
  process.env.VK_ICD_FILENAMES = swiftShaderIcd();
}

function noSwiftShader(got: string): Error {
  return new Error(
    `adapter 'swiftshader' requested but Dawn returned ${got}: is there a SwiftShader Vulkan ICD at ${swiftShaderIcd()}? ` +
      'Install Chromium (Debian: apt-get install chromium, which ships vk_swiftshader_icd.json) or set CLEARCLIP_SWIFTSHADER_ICD to its manifest.',
  );
}

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/**
 * Finds a WebGPU adapter: navigator.gpu in a browser; Dawn (npm `webgpu`) in Node, trying its default backend
 * first and Dawn's OpenGL ES backend (llvmpipe through EGL, compatibility mode) second.
 */
export async function requestAdapter(req: AdapterRequest = {}): Promise<AdapterChoice> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (!isNode()) {
    if (!nav?.gpu) throw new Error('This browser has no WebGPU (navigator.gpu is missing).');
    const adapter = await nav.gpu.requestAdapter({ powerPreference: req.powerPreference });
    if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null: WebGPU is disabled or unsupported here.');
    return { adapter, backend: 'navigator', gpu: nav.gpu };
  }
  // Quiet Mesa's "XDG_RUNTIME_DIR not set" warnings on headless machines.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  let dawn: { create(o: string[]): GPU; globals: object };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    throw new Error(`Could not load the Dawn WebGPU bindings (npm package "webgpu"): ${(e as Error).message}\nRun: npm ci`);
  }
  // GPU* constants (GPUBufferUsage, ...) are globals in a browser; Dawn provides them here.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const which = req.adapter ?? (process.env.CLEARCLIP_ADAPTER as AdapterRequest['adapter'] | undefined) ?? 'default';
  if (which !== 'default' && which !== 'swiftshader') throw new Error(`unknown adapter '${which}' (CLEARCLIP_ADAPTER / adapter option): use 'default' or 'swiftshader'`);
  if (which === 'swiftshader') await useSwiftShader();
  const forced = req.backend ?? process.env.CLEARCLIP_WEBGPU_BACKEND;
  const attempts: { flags: string[]; backend: AdapterChoice['backend']; compat: boolean }[] = forced
    ? [{ flags: [`backend=${forced}`], backend: forced === 'opengles' ? 'dawn-opengles' : 'dawn', compat: forced === 'opengles' }]
    : [
        { flags: [], backend: 'dawn', compat: false },
        { flags: ['backend=opengles'], backend: 'dawn-opengles', compat: true },
      ];
  if (forced === 'opengles' || !forced) {
    if (!process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  }
  for (const a of attempts) {
    const gpu = dawn.create(a.flags);
    const opts: GPURequestAdapterOptions & { featureLevel?: string } = { powerPreference: req.powerPreference };
    if (a.compat) opts.featureLevel = 'compatibility';
    const adapter = await gpu.requestAdapter(opts);
    if (adapter && which === 'swiftshader' && !/swiftshader/i.test(`${adapter.info?.architecture} ${adapter.info?.description}`)) {
      throw noSwiftShader(adapter.info?.description || 'another adapter');
    }
    if (adapter) return { adapter, backend: a.backend, gpu };
  }
  if (which === 'swiftshader') throw noSwiftShader('no adapter');
  throw new Error(SETUP_HINT);
}
