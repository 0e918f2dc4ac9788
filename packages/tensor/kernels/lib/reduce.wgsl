// Workgroup tree reductions for kernels that give one workgroup of WG lanes (a power of two) to a row.
// Every lane of the workgroup must call them (they hold barriers); each returns the result to all lanes.
// Pulled into a kernel by `// #include reduce`; WG is the kernel's workgroup size, set by its descriptor.

var<workgroup> red: array<f32, WG>;

fn reduceMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
