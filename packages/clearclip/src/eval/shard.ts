export interface Shard {
  index: number;
  count: number;
}

/** "i/n", 0-based: shard i of n takes the images whose position in the sorted list is i mod n. */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`--shard must look like i/n (0-based, e.g. 0/4), got '${s}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new Error(`--shard ${s}: the shard count must be at least 1`);
  if (index >= count) throw new Error(`--shard ${s}: the index is 0-based and must be below ${count}`);
  return { index, count };
}

export function selectShard<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, k) => k % shard.count === shard.index);
}
