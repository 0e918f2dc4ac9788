/** A WebGPU error (validation, out-of-memory, internal) raised while running kernels. */
export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

/** The device was lost (driver reset, destroy, out of memory); nothing on it can be used again. */
export class DeviceLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceLostError';
  }
}

export const SETUP_HINT =
  'No WebGPU adapter was found. On a machine with a GPU, install its Vulkan driver (Metal and D3D12 need nothing).\n' +
  'On a Debian/Ubuntu machine without a GPU, install a software GPU: Mesa >= 24 lavapipe (on Debian 12 from\n' +
  'bookworm-backports) and the EGL/GLES pieces of the OpenGL ES fallback, as root:\n' +
  '  apt-get install mesa-vulkan-drivers libvulkan1 libegl1 libegl-mesa0 libgles2\n' +
  '(in a clone of the clearclip repository, `bash scripts/setup-software-gpu.sh` does this, backports included).';
