/**
 * Adapter negotiation: the adapter, the features worth having (shader-f16, timestamp-query, subgroups), the limits big
 * models hit, and a description of what was found for logs and bench reports.
 */
import { type AdapterRequest, requestAdapter } from './gpu.js';

import type { WaitMode } from './gpu-wait.js';

export interface DeviceOptions extends AdapterRequest {
  /** Enable shader-f16 when the adapter has it (default true). */
  f16?: boolean;
  /** Enable subgroups when the adapter has it (default true): the subgroup matmul variants need it. */
  subgroups?: boolean;
  /** Bytes of released buffers kept for reuse (default 1 GiB). */
  poolBytes?: number;
  /**
   * How the host waits for the GPU (gpu-wait.ts): 'sleep' frees the CPU a software adapter computes on, 'spin' is
   * the plain await. Default: CLEARCLIP_WAIT, else 'sleep' on software adapters in Node and 'spin' elsewhere.
   */
  wait?: WaitMode;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  backend: string;
  /** Core WebGPU or the compatibility mode that Dawn's OpenGL ES backend runs in. */
  featureLevel: 'core' | 'compatibility';
}

export interface OpenedDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  backend: string;
  /** The GPU object of the Node binding: held so that it is not collected while the device lives. */
  gpu: GPU;
}

export async function openDevice(opts: DeviceOptions): Promise<OpenedDevice> {
  const { adapter, backend, gpu } = await requestAdapter(opts);
  const want: GPUFeatureName[] = [];
  if (opts.f16 !== false && adapter.features.has('shader-f16')) want.push('shader-f16');
  if (adapter.features.has('timestamp-query')) want.push('timestamp-query');
  if (opts.subgroups !== false && adapter.features.has('subgroups')) want.push('subgroups' as GPUFeatureName);
  const l = adapter.limits;
  // Ask for what the adapter can give on the limits big models hit: binding and buffer sizes, workgroup memory.
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
  };
  const device = await adapter.requestDevice({ requiredFeatures: want, requiredLimits, label: 'clearclip' });
  return { device, adapter, backend, gpu };
}

export function describeAdapter(adapter: GPUAdapter, backend: string): AdapterDescription {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const compat = backend === 'dawn-opengles' || !adapter.features.has('core-features-and-limits');
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    backend,
    featureLevel: compat ? 'compatibility' : 'core',
  };
}
