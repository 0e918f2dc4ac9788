// Copy a rows x cols block between row-major buffers with their own row strides and start offsets:
// out[dst_off + r*dst_stride + c] = x[src_off + r*src_stride + c]. concat writes each input into its column
// band of the output; slice reads one band of its input. Pure data movement, so every dtype works bit-exactly.
alias T = f32;

struct Params { rows: u32, cols: u32, src_off: u32, src_stride: u32, dst_off: u32, dst_stride: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  let c = i % p.cols;
  out[p.dst_off + r * p.dst_stride + c] = x[p.src_off + r * p.src_stride + c];
}
