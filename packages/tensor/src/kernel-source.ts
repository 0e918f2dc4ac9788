/**
 * WGSL sources live in the repository's `kernels/` folder, one file per kernel, each valid WGSL on its own (f32).
 * A specialisation rewrites its `alias NAME = type;` and `const NAME = value;` declarations, so the file that is
 * tested and read is the file that runs.
 */
const sources = new Map<string, string>();

const kernelDir = new URL('../../../kernels/', import.meta.url);

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

let readFileSync: ((p: URL, enc: 'utf8') => string) | undefined;
if (isNode()) {
  const fs = await import('node:fs');
  readFileSync = fs.readFileSync as unknown as (p: URL, enc: 'utf8') => string;
}

/** Provide a kernel's source by hand (browsers without file access, or tests of bad kernels). */
export function registerKernelSource(name: string, code: string): void {
  sources.set(name, code);
}

/** Fetch kernels ahead of use where files cannot be read synchronously (browsers). */
export async function preloadKernels(names: string[], base: URL = kernelDir): Promise<void> {
  await Promise.all(
    names.map(async (n) => {
      if (sources.has(n)) return;
      const res = await fetch(new URL(`${n}.wgsl`, base));
      if (!res.ok) throw new Error(`kernel "${n}": HTTP ${res.status} fetching ${res.url}`);
      sources.set(n, await res.text());
    }),
  );
}

export function kernelSource(name: string): string {
  let s = sources.get(name);
  if (s !== undefined) return s;
  if (!readFileSync) throw new Error(`kernel "${name}" is not loaded: call preloadKernels(["${name}"]) first`);
  const url = new URL(`${name}.wgsl`, kernelDir);
  try {
    s = readFileSync(url, 'utf8');
  } catch (e) {
    throw new Error(`kernel "${name}": cannot read ${url.pathname}: ${(e as Error).message}`);
  }
  sources.set(name, s);
  return s;
}

export type Defines = Record<string, string | number | boolean>;

/** Rewrite `alias K = ...;` / `const K[: t] = ...;` lines; every define must hit exactly one declaration. */
export function specialize(name: string, code: string, defines: Defines): string {
  let out = code;
  let needF16 = false;
  for (const [k, v] of Object.entries(defines)) {
    const alias = new RegExp(`^(\\s*alias\\s+${k}\\s*=\\s*)[^;]+;`, 'm');
    const konst = new RegExp(`^(\\s*const\\s+${k}\\s*(?::\\s*[A-Za-z0-9_<>]+\\s*)?=\\s*)[^;]+;`, 'm');
    if (alias.test(out)) {
      out = out.replace(alias, `$1${v};`);
      if (String(v).includes('f16')) needF16 = true;
    } else if (konst.test(out)) {
      const lit = typeof v === 'number' && !Number.isInteger(v) ? v.toExponential() : String(v);
      out = out.replace(konst, `$1${lit};`);
    } else {
      throw new Error(`kernel "${name}": specialisation "${k}" matches no "alias ${k} = ...;" or "const ${k} = ...;"`);
    }
  }
  if (needF16 && !/^\s*enable\s+f16\s*;/m.test(out)) out = `enable f16;\n${out}`;
  return out;
}
