/**
 * How the text tower is fed a set of (template, class) prompts. Two exact plans, both relying on causal attention
 * and end-of-text pooling (nothing after a row's end-of-text token, nor any other row, changes its feature):
 *  - length batches: prompts ordered by token count, so each batch is cut to little more than its own rows;
 *  - prefix groups: each template's tokens before the class name are shared by every class, so they run once per
 *    template and only the rest of each row runs per class, against the prefix's cached keys and values.
 */

/** Position of a row's first end-of-text token (the last position when the row was truncated without one). */
export function eotPosition(ids: Int32Array, row: number, context: number, eot: number): number {
  for (let l = 0; l < context; l++) if (ids[row * context + l] === eot) return l;
  return context - 1;
}

/** Prompt indices ordered by token length (stable), cut into runs whose rows all have the same length. */
export function lengthBatches(lengths: readonly number[]): { length: number; prompts: number[] }[] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const out: { length: number; prompts: number[] }[] = [];
  for (const i of order) {
    const last = out.at(-1);
    if (last && last.length === lengths[i]) last.prompts.push(i);
    else out.push({ length: lengths[i], prompts: [i] });
  }
  return out;
}

/** Classes whose rows follow the group's prefixes with at most S tokens each (shorter rows padded after end-of-text). */
export interface SuffixBucket {
  classes: number[];
  S: number;
  /** [G, classes.length, S], template-major. */
  ids: Int32Array;
}

/** Templates whose shared prefix has P tokens. */
export interface PrefixGroup {
  P: number;
  templates: number[];
  /** [G, P]. */
  prefixIds: Int32Array;
  buckets: SuffixBucket[];
}

/**
 * A template's prefix length: the tokens its rows share whatever the class, found as the common start of two probe
 * rows whose class names differ in their first token. It depends on the template alone, so that a class's features
 * do not depend on which other classes are asked for at the same time (the disk cache stores them per class).
 */
export function templatePrefix(probeA: Int32Array, probeB: Int32Array, context: number, eot: number): Int32Array {
  const end = Math.min(eotPosition(probeA, 0, context, eot), eotPosition(probeB, 0, context, eot));
  let P = 0;
  while (P < end && probeA[P] === probeB[P]) P++;
  return probeA.slice(0, P);
}

/**
 * rows[t]: the tokenized prompts of template t for every class ([classes, context] ids); prefixes[t] its prefix
 * tokens from templatePrefix. A row that does not start with its template's prefix, or has no token after it but its
 * end-of-text, is left to the whole-prompt path (`whole`, as [template, class] pairs).
 */
export function planPrefixGroups(
  rows: readonly Int32Array[],
  prefixes: readonly Int32Array[],
  classes: number,
  context: number,
  eot: number,
  /** Most rows one text-tower call may take at a total token count (binding limits); buckets are split to fit. */
  maxRows: (tokens: number) => number = () => Infinity,
): { groups: PrefixGroup[]; whole: [number, number][] } {
  const whole: [number, number][] = [];
  const plans = rows.map((ids, t) => {
    const pre = prefixes[t];
    const P = pre.length;
    const ends = Array.from({ length: classes }, (_, c) => eotPosition(ids, c, context, eot));
    const fits = ends.map((e, c) => {
      let ok = P >= 1 && e >= P;
      for (let l = 0; l < P && ok; l++) ok = ids[c * context + l] === pre[l];
      return ok;
    });
    fits.forEach((ok, c) => ok || whole.push([t, c]));
    return { P, ends, fits };
  });
  const groups = new Map<number, number[]>();
  plans.forEach((p, t) => p.fits.some(Boolean) && groups.set(p.P, [...(groups.get(p.P) ?? []), t]));
  const out: PrefixGroup[] = [];
  for (const [P, templates] of [...groups].sort((a, b) => a[0] - b[0])) {
    const G = templates.length;
    const prefixIds = new Int32Array(G * P);
    templates.forEach((t, g) => prefixIds.set(rows[t].subarray(0, P), g * P));
    // Bucket classes by their longest suffix in this group: a class name's token count rarely depends on the template.
    // Classes whose rows fit in every template of the group (the rest went to `whole` for the templates they miss).
    const cand = Array.from({ length: classes }, (_, c) => c).filter((c) => templates.every((t) => plans[t].fits[c]));
    for (const t of templates) plans[t].fits.forEach((ok, c) => ok && !cand.includes(c) && whole.push([t, c]));
    const need = cand.map((c) => Math.max(...templates.map((t) => plans[t].ends[c] - P + 1)));
    const buckets: SuffixBucket[] = [];
    for (const { length: S, prompts: idx } of lengthBatches(need)) {
      const all = idx.map((i) => cand[i]);
      const per = Math.max(1, Math.floor(maxRows(P + S) / G));
      for (let first = 0; first < all.length; first += per) {
        const cls = all.slice(first, first + per);
        const ids = new Int32Array(G * cls.length * S);
        templates.forEach((t, g) =>
          cls.forEach((c, k) => {
            const from = c * context + P;
            ids.set(rows[t].subarray(from, from + Math.min(S, plans[t].ends[c] - P + 1)), (g * cls.length + k) * S);
          }),
        );
        buckets.push({ classes: cls, S, ids });
      }
    }
    out.push({ P, templates, prefixIds, buckets });
  }
  return { groups: out, whole };
}
