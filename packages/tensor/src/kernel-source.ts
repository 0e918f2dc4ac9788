/**
 * The kernel registry. Each package's WGSL files (`<package>/kernels/*.wgsl`, valid WGSL each in its f32 form) are
 * compiled into a module of strings by `scripts/bundle-kernels.mjs` and registered here when the package is imported,
 * so kernels travel inside the npm package and bundles, and nothing reads files at run time. A specialisation
 * rewrites a kernel's `alias NAME = type;` and `const NAME = value;` declarations, so the file that is tested and
 * read is the file that runs.
 *
 * Shared WGSL (the workgroup reductions, the entry points) lives once in `kernels/lib/*.wgsl` as snippets. A kernel
 * names the helpers it calls with a line `// #include NAME`, expanded here; a directive rather than a stub
 * declaration because a stub would be a second, wrong definition that a reader could take for the real one, and the
 * directive says where the helper comes from. So a kernel file is valid WGSL once its includes are expanded (and its
 * descriptor's constants and entry point added, see kernel-descriptor.ts), which is what every test compiles.
 */
import { KERNEL_SNIPPETS, KERNEL_SOURCES } from './kernels.generated.js';

interface Entry {
  code: string;
  owner: string;
}

const registry = new Map<string, Entry>();
const snippets = new Map<string, Entry>();

/**
 * Register a package's kernels (name -> WGSL). A name may be registered once: a second package claiming a name
 * already taken throws, naming both owners. Registering the identical source again is allowed (a module evaluated
 * twice, e.g. by a bundler and by tests, registers the same strings).
 */
export function registerKernels(owner: string, sources: Readonly<Record<string, string>>): void {
  claim(registry, 'kernel', owner, sources);
}

/** Register shared WGSL snippets (name -> WGSL) that kernels pull in with `// #include name`; same rules as kernels. */
export function registerSnippets(owner: string, sources: Readonly<Record<string, string>>): void {
  claim(snippets, 'snippet', owner, sources);
}

function claim(into: Map<string, Entry>, what: string, owner: string, sources: Readonly<Record<string, string>>): void {
  for (const [name, code] of Object.entries(sources)) {
    const prev = into.get(name);
    if (prev && prev.code !== code) {
      throw new Error(`${what} "${name}" registered twice: by ${prev.owner} and by ${owner} with a different source; rename one`);
    }
    if (!prev) into.set(name, { code, owner });
  }
}

/** A registered snippet's WGSL (its own includes expanded). */
export function snippetSource(name: string): string {
  const e = snippets.get(name);
  if (!e) throw new Error(`WGSL snippet "${name}" is not registered (known: ${[...snippets.keys()].sort().join(', ')})`);
  return expandIncludes(`snippet ${name}`, e.code);
}

const INCLUDE = /^[ \t]*\/\/[ \t]*#include[ \t]+([A-Za-z0-9_]+)[ \t]*$/gm;

/**
 * Replace each `// #include NAME` line with the snippet NAME. A snippet is expanded once per program (a second
 * include of it becomes nothing, as its declarations may not repeat); includes inside snippets are expanded too.
 */
export function expandIncludes(what: string, code: string, seen = new Set<string>()): string {
  return code.replace(INCLUDE, (_line, name: string) => {
    if (seen.has(name)) return `// (${name} included above)`;
    seen.add(name);
    const e = snippets.get(name);
    if (!e) throw new Error(`${what}: "#include ${name}" names no registered WGSL snippet (known: ${[...snippets.keys()].sort().join(', ')})`);
    return `// ---- #include ${name}\n${expandIncludes(what, e.code, seen)}// ---- end ${name}`;
  });
}

/** Provide one kernel's source by hand (tests of bad kernels, experiments). Throws if the name is taken. */
export function registerKernelSource(name: string, code: string, owner = 'registerKernelSource'): void {
  registerKernels(owner, { [name]: code });
}

/** Every registered kernel name, sorted (for listings, preloading and checks that each kernel is tested). */
export function kernelNames(): string[] {
  return [...registry.keys()].sort();
}

/** Which package registered a kernel. */
export function kernelOwner(name: string): string | undefined {
  return registry.get(name)?.owner;
}

/** A kernel's WGSL as registered, with its `// #include` lines expanded. */
export function kernelSource(name: string): string {
  const e = registry.get(name);
  if (!e) {
    throw new Error(
      `kernel "${name}" is not registered (known: ${kernelNames().join(', ')}); ` +
        'a package registers its kernels with registerKernels() when imported',
    );
  }
  return expandIncludes(`kernel "${name}"`, e.code);
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

registerKernels('@clearclip/tensor', KERNEL_SOURCES);
registerSnippets('@clearclip/tensor', KERNEL_SNIPPETS);
