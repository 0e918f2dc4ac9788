// What both fused attention kernels (attention.wgsl, attention_lane.wgsl) share: the uniform block, the in-place
// operand views and the -inf stand-in. Element (item, head, row, d) of a view sits at
// off + item*item + head*head + row*row + d, so q, k and v are read straight from a fused [B, L, 3W] projection and
// out written as [B, L, W]; L queries, S keys, and with CAUSAL query i sees keys j <= i + S - L. Pulled in by
// `// #include attention_views`.

const LOWEST: f32 = -3.4028234663852886e38;

struct View { off: u32, item: u32, head: u32, row: u32 }
struct Params { heads: u32, L: u32, S: u32, scale: f32, q: View, k: View, v: View, o: View }

fn at(w: View, item: u32, head: u32, row: u32) -> u32 {
  return w.off + item * w.item + head * w.head + row * w.row;
}
