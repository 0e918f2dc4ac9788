import t from 'tap';
import { parseClassFile, parseClassList } from 'clearclip';

// Upstream (ClearCLIP's get_cls_idx) reads the class file with readlines(), removes "\n" and splits each line on ","
// without stripping; line i gives class i to each of its names.

t.test('names are split on "," without stripping; class names are the first name, trimmed', async (t) => {
  const s = parseClassFile('sky\nhill, mountain\n tree ,bush');
  t.same(s.queries, ['sky', 'hill', ' mountain', ' tree ', 'bush'], '" mountain" and " tree " keep their spaces');
  t.same(s.queryClass, [0, 1, 1, 2, 2]);
  t.same(s.classNames, ['sky', 'hill', 'tree']);
});

t.test('a final newline does not add a class; CRLF line ends are removed', async (t) => {
  t.same(parseClassFile('sky\nhill\n').classNames, ['sky', 'hill']);
  t.same(parseClassFile('sky\nhill').classNames, ['sky', 'hill']);
  const crlf = parseClassFile('sky\r\nhill,mountain\r\n');
  t.same(crlf.queries, ['sky', 'hill', 'mountain']);
  t.same(crlf.queryClass, [0, 1, 1]);
});

t.test('errors name the source and the line for empty lines and empty names', async (t) => {
  t.throws(() => parseClassFile('sky\n\nhill', 'cls.txt'), /^cls\.txt: line 2: empty line/);
  // Only ONE final newline is dropped (readlines): a blank last line is an empty class.
  t.throws(() => parseClassFile('sky\nhill\n\n', 'cls.txt'), /^cls\.txt: line 3: empty line/);
  t.throws(() => parseClassFile('sky\nhill,,mountain', 'cls.txt'), /^cls\.txt: line 2: empty name in position 2 of "hill,,mountain"/);
  t.throws(() => parseClassFile('sky\ntree, ', 'cls.txt'), /line 2: empty name in position 2/);
  t.throws(() => parseClassFile('   ', 'cls.txt'), /^cls\.txt: line 1: empty line/);
  t.throws(() => parseClassFile(''), /^class file: line 1: empty line/, 'default source name');
});

t.test('parseClassList: "," separates classes; with ";" classes are separated by ";" and "," gives synonyms', async (t) => {
  const plain = parseClassList('sky,tree,horse');
  t.same(plain.classNames, ['sky', 'tree', 'horse']);
  t.same(plain.queryClass, [0, 1, 2]);
  const syn = parseClassList('sky;tree,bush;horse');
  t.same(syn.classNames, ['sky', 'tree', 'horse']);
  t.same(syn.queries, ['sky', 'tree', 'bush', 'horse']);
  t.same(syn.queryClass, [0, 1, 1, 2]);
  t.same(parseClassList('sky, tree').queries, ['sky', ' tree'], 'spaces kept as in the file format');
  t.throws(() => parseClassList('sky,,tree'), /^--classes: .*empty line/);
  t.throws(() => parseClassList('sky;tree,;horse'), /^--classes: line 2: empty name in position 2/);
});
