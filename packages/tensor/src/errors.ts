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
  'No WebGPU adapter was found. On a Debian/Ubuntu machine without a GPU, install a software GPU with\n' +
  '  sudo bash scripts/setup-software-gpu.sh        (from the clearclip repository root)\n' +
  'which installs Mesa >= 24 lavapipe (on bookworm from bookworm-backports) or, failing that, the EGL/GLES\n' +
  'pieces for the OpenGL ES fallback. On a machine with a GPU, install its Vulkan driver.';
