import { GpuDevice } from '@clearclip/tensor';

let shared: Promise<GpuDevice> | null = null;

/** One device per test file (each tap file is its own process); destroyed at exit so Node can leave. */
export function testDevice(): Promise<GpuDevice> {
  shared ??= GpuDevice.create().then((d) => {
    process.once('beforeExit', () => d.destroy());
    return d;
  });
  return shared;
}

/** The dtypes a kernel test runs in: f32 always, f16 where the adapter has shader-f16. */
export async function floatDtypes(): Promise<('f32' | 'f16')[]> {
  const d = await testDevice();
  return d.hasF16 ? ['f32', 'f16'] : ['f32'];
}
