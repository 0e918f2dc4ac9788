import t from 'tap';
import { readFileSync } from 'node:fs';
import { OPENAI_IMAGENET_TEMPLATES } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';

// Independent source: the fixture generator stored OpenCLIP's openai_imagenet_template applied to "horse" as
// settings.json tokenizer.strings[5..84] (strings 0..4 are the class names).
t.test('the 80 OpenAI ImageNet templates match OpenCLIP (fixture strings 5..84)', async (t) => {
  const file = requireShared(t, 'fixtures', 'clip-tiny-b16', 'settings.json');
  if (!file) return;
  const strings: string[] = JSON.parse(readFileSync(file, 'utf8')).tokenizer.strings;
  t.equal(OPENAI_IMAGENET_TEMPLATES.length, 80);
  t.same(OPENAI_IMAGENET_TEMPLATES.map((f) => f('horse')), strings.slice(5, 85));
});
