/** Float64 reference for IEEE binary16 round-to-nearest-even, written arithmetically (no bit tricks). */
export function roundToHalfRef(v: number): number {
  if (Number.isNaN(v)) return NaN;
  const a = Math.abs(v);
  // 65520 is halfway between the largest half (65504) and 2^16; the tie goes to the even 2^16, i.e. Inf.
  if (a >= 65520) return v > 0 ? Infinity : -Infinity;
  if (a === 0) return v;
  let e = Math.floor(Math.log2(a));
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  e = Math.max(e, -14); // below 2^-14 the spacing stays 2^-24 (subnormals)
  const ulp = 2 ** (e - 10);
  const q = a / ulp; // exact: dividing by a power of two
  const fl = Math.floor(q);
  const frac = q - fl;
  const r = frac > 0.5 || (frac === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  return Math.sign(v) * r * ulp;
}
