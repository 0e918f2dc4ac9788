/**
 * Class files in upstream's format: one class per line, synonyms separated by commas. Upstream splits each line on
 * "," without stripping, so " mountain" keeps its space (the tokenizer's whitespace cleanup removes it later);
 * this parser does the same so query features match.
 */
export interface ClassSpec {
  /** Query texts in file order. */
  queries: string[];
  /** Class index (line number, 0-based) of each query. */
  queryClass: number[];
  /** The first name on each line, for legends and reports. */
  classNames: string[];
}

export function parseClassFile(text: string, source = 'class file'): ClassSpec {
  // Upstream reads lines with readlines() and removes "\n"; a final newline does not add a class.
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const spec: ClassSpec = { queries: [], queryClass: [], classNames: [] };
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const names = line.split(',');
    names.forEach((n, k) => {
      if (n.trim() === '') {
        throw new Error(`${source}: line ${i + 1}: ${line.trim() === '' ? 'empty line (a class needs a name)' : `empty name in position ${k + 1} of "${line}"`}`);
      }
    });
    spec.classNames.push(names[0].trim());
    for (const n of names) {
      spec.queries.push(n);
      spec.queryClass.push(i);
    }
  });
  if (spec.classNames.length === 0) throw new Error(`${source}: no classes`);
  return spec;
}

/** "sky,tree,horse" on the command line: one class per comma-separated name, or ";" between classes to allow synonyms. */
export function parseClassList(list: string): ClassSpec {
  const text = list.includes(';') ? list.split(';').join('\n') : list.split(',').join('\n');
  return parseClassFile(text, '--classes');
}
