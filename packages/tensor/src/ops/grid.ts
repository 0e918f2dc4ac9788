/**
 * Workgroup grid for a 1-D launch of `count` workgroups: WebGPU caps each dimension (65535 by default), so large
 * launches fold into y. Kernels compute their linear workgroup index as wid.y * nwg.x + wid.x.
 */
export function grid1d(count: number, maxPerDim = 65535): [number, number, number] {
  if (count <= maxPerDim) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y, 1];
}

/** Pack a uniform struct whose fields are all 4-byte u32/i32/f32. */
export function params(fields: ({ u: number } | { i: number } | { f: number })[]): Uint32Array {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const dv = new DataView(buf);
  fields.forEach((f, k) => {
    if ('u' in f) dv.setUint32(4 * k, f.u, true);
    else if ('i' in f) dv.setInt32(4 * k, f.i, true);
    else dv.setFloat32(4 * k, f.f, true);
  });
  return new Uint32Array(buf);
}

export const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);
