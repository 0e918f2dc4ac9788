// Entry point of kernels launched with one invocation per item (descriptor grid 'perInvocation'): the 1-D grid of
// ceil(count / WG) workgroups folds into y above the per-dimension limit (ops/grid.ts grid1d), so the linear
// index is (wid.y * nwg.x + wid.x) * WG + lid. The kernel's perInvocation() checks the bound itself: the last
// workgroup runs past the end.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  perInvocation((wid.y * nwg.x + wid.x) * WG + lid);
}
