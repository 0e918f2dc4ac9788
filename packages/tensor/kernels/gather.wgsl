// out[r, :] = table[idx[r], :] — embedding lookup and row picking (text pooling at the end-of-text token).
// Indices were range-checked on the host; a stray one still cannot read outside the table (clamped).
alias T = f32;

struct Params { rows: u32, width: u32, tableRows: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> table: array<T>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.rows * p.width) { return; }
  let r = i / p.width;
  let c = i % p.width;
  let src = u32(clamp(idx[r], 0, i32(p.tableRows) - 1));
  out[i] = table[src * p.width + c];
}
