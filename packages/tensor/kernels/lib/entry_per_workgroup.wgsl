// Entry point of kernels launched with one workgroup per item (descriptor grid 'perWorkgroup', e.g. a row that the
// workgroup reduces): the 1-D grid folds into y above the per-dimension limit (ops/grid.ts grid1d). The item index
// is uniform across the workgroup, so the kernel may return early on it and still reach its barriers uniformly.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  perWorkgroup(wid.y * nwg.x + wid.x, lid);
}
