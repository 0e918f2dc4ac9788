/**
 * Whether the device can still be used: lost (the driver or browser took it away) or destroyed by us. Every part
 * that records or allocates asks here first, so that a dead device fails with one clear DeviceLostError.
 */
import { DeviceLostError } from './errors.js';

export class DeviceLife {
  lostInfo: GPUDeviceLostInfo | null = null;
  destroyed = false;

  constructor(device: GPUDevice) {
    device.lost.then((li) => {
      this.lostInfo = li;
    });
  }

  get isLost(): boolean {
    return this.lostInfo !== null;
  }

  check(what: string): void {
    if (this.lostInfo) {
      throw new DeviceLostError(`${what}: the WebGPU device was lost (${this.lostInfo.reason}): ${this.lostInfo.message}`);
    }
    if (this.destroyed) throw new DeviceLostError(`${what}: the device was destroyed`);
  }
}
