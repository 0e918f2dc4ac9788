// The matmul epilogue's activations, shared by every matmul variant (lane, tiled, subgroup). ACT is the
// kernel's constant: 0 none, 1 GELU (exact, erf), 2 QuickGELU x*sigmoid(1.702x). Pulled in by
// `// #include activation`.

// erf for f32 as x * P(x^2) / Q(x^2) on [-4, 4] (|error| < 1e-7 against float64 erf; erf(+-4) is +-1 in f32).
// WGSL has no erf, and this needs no exp.
fn erf_f32(x0: f32) -> f32 {
  let x = clamp(x0, -4.0, 4.0);
  let x2 = x * x;
  var pn = -2.72614225801306e-10;
  pn = pn * x2 + 2.77068142495902e-08;
  pn = pn * x2 - 2.10102402082508e-06;
  pn = pn * x2 - 5.69250639462346e-05;
  pn = pn * x2 - 7.34990630326855e-04;
  pn = pn * x2 - 2.95459980854025e-03;
  pn = pn * x2 - 1.60960333262415e-02;
  var qn = -1.45660718464996e-05;
  qn = qn * x2 - 2.13374055278905e-04;
  qn = qn * x2 - 1.68282697438203e-03;
  qn = qn * x2 - 7.37332916720468e-03;
  qn = qn * x2 - 1.42647390514189e-02;
  return x * pn / qn;
}

fn activate(x: f32) -> f32 {
  if (ACT == 1u) {
    return 0.5 * x * (1.0 + erf_f32(x * 0.7071067811865476));
  } else if (ACT == 2u) {
    return x / (1.0 + exp(-1.702 * x));
  }
  return x;
}
