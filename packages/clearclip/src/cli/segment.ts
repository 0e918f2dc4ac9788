import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ClearCLIP, DEFAULT_SEGMENT, readClassFile } from '../clearclip.js';
import { parseClassList } from '../classes.js';
import { PRESETS, type AttentionKind, type LastBlockForm, type PresetName } from '../last-block.js';
import { readImage } from '../image/index.js';
import { palette, overlayImage, encodePng, classShares, encodeLabelPng, defaultLabelFormat, LABEL_FORMATS, type LabelFormat } from '../render/index.js';
import { provenance } from './provenance.js';
import { progressPrinter } from './progress-printer.js';
import { checkCliSettings, cliFlags, checkImagesReadable, checkOutDirWritable, uniqueOutputNames } from './segment-checks.js';
import { existsSync } from 'node:fs';

export const SEGMENT_USAGE = `usage: clearclip segment IMAGE... (--classes "sky,tree,horse" | --classes-file FILE) [options]

model:
  --weights PATH         runtime weights or an OpenCLIP checkpoint (no download; works offline)
  --model NAME           OpenCLIP model name, downloaded on first use (default ViT-B-16)
  --pretrained TAG       pretrained tag (default openai)
  --dtype f32|f16        compute precision (default f32; f16 needs shader-f16, checked before any download)
  --quick-gelu           the checkpoint uses QuickGELU (OpenAI/MetaCLIP weights whose config does not say so)
  --no-quick-gelu        the checkpoint uses GELU whatever its path suggests
  --vocab FILE           bpe_simple_vocab_16e6.txt.gz (default: $CLEARCLIP_VOCAB, else CLIP's vocab.json +
                         merges.txt from the Hugging Face hub, cached)
classes:
  --classes LIST         comma-separated class names; use ";" between classes to give comma synonyms
  --classes-file FILE    one class per line, comma-separated synonyms (upstream's format)
inference (defaults as upstream):
  --short-side N         resize so the short side is N, long side at most 2048 (default ${DEFAULT_SEGMENT.scale[1]})
  --crop N               sliding-window crop, 0 = whole image (default ${DEFAULT_SEGMENT.crop})
  --stride N             sliding-window stride (default ${DEFAULT_SEGMENT.stride})
  --logit-scale X        default ${DEFAULT_SEGMENT.logitScale}
  --prob-thd X           pixels below this probability become class 0 (default ${DEFAULT_SEGMENT.probThd})
  --preset NAME          ${Object.keys(PRESETS).join(' | ')} (default clearclip)
  --residual keep|drop   override the preset's residual connection
  --attention KIND       qk | qq | kk | vv | sclip | identity
  --ffn keep|drop        override the preset's feed-forward network
output:
  --out DIR              where PNGs go (default out/)
  --label-format F       palette: indexed PNG, pixel value = class index, palette = overlay colours (default,
                         up to 256 classes); gray16: 16-bit grayscale class indices (default above 256)
  --json                 also write <name>.json with per-class pixel shares and provenance
`;

const ATTENTIONS: AttentionKind[] = ['qk', 'qq', 'kk', 'vv', 'sclip', 'identity'];

function num(v: string | undefined, flag: string, int: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && (!Number.isInteger(n) || n < 0))) throw new Error(`${flag}: expected ${int ? 'a non-negative integer' : 'a number'}, got "${v}"`);
  return n;
}

function keepDrop(v: string | undefined, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v !== 'keep' && v !== 'drop') throw new Error(`${flag}: expected keep or drop, got "${v}"`);
  return v === 'keep';
}

export async function segmentCli(argv: string[]): Promise<number> {
  const { values: a, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      classes: { type: 'string' },
      'classes-file': { type: 'string' },
      weights: { type: 'string' },
      model: { type: 'string' },
      pretrained: { type: 'string' },
      dtype: { type: 'string' },
      'quick-gelu': { type: 'boolean' },
      'no-quick-gelu': { type: 'boolean' },
      vocab: { type: 'string' },
      'short-side': { type: 'string' },
      crop: { type: 'string' },
      stride: { type: 'string' },
      'logit-scale': { type: 'string' },
      'prob-thd': { type: 'string' },
      preset: { type: 'string' },
      residual: { type: 'string' },
      attention: { type: 'string' },
      ffn: { type: 'string' },
      out: { type: 'string' },
      'label-format': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help) {
    process.stdout.write(SEGMENT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new Error(`no images given\n${SEGMENT_USAGE}`);
  if (!a.classes === !a['classes-file']) throw new Error('give exactly one of --classes and --classes-file');
  const spec = a.classes ? parseClassList(a.classes) : await cliFlags(() => readClassFile(a['classes-file']!));
  if (a.dtype && a.dtype !== 'f32' && a.dtype !== 'f16') throw new Error(`--dtype: expected f32 or f16, got "${a.dtype}"`);
  const presetName = (a.preset ?? 'clearclip') as PresetName;
  // Own keys only: `in` would accept __proto__ or toString.
  if (!Object.hasOwn(PRESETS, presetName)) throw new Error(`--preset: unknown "${a.preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  if (a.attention && !ATTENTIONS.includes(a.attention as AttentionKind)) throw new Error(`--attention: unknown "${a.attention}" (known: ${ATTENTIONS.join(', ')})`);
  const form: LastBlockForm = {
    ...PRESETS[presetName],
    ...(a.attention ? { attention: a.attention as AttentionKind } : {}),
    ...(keepDrop(a.residual, '--residual') !== undefined ? { residual: keepDrop(a.residual, '--residual')! } : {}),
    ...(keepDrop(a.ffn, '--ffn') !== undefined ? { ffn: keepDrop(a.ffn, '--ffn')! } : {}),
  };
  const short = num(a['short-side'], '--short-side', true);
  const opts = {
    scale: (short !== undefined ? [2048, short] : DEFAULT_SEGMENT.scale) as [number, number],
    crop: num(a.crop, '--crop', true),
    stride: num(a.stride, '--stride', true),
    logitScale: num(a['logit-scale'], '--logit-scale', false),
    probThd: num(a['prob-thd'], '--prob-thd', false),
    form,
    probs: false,
  };
  if (a['quick-gelu'] && a['no-quick-gelu']) throw new Error('give at most one of --quick-gelu and --no-quick-gelu');
  const quickGelu = a['quick-gelu'] ? true : a['no-quick-gelu'] ? false : undefined;
  const labelFormat = (a['label-format'] ?? defaultLabelFormat(spec.classNames.length)) as LabelFormat;
  if (!LABEL_FORMATS.includes(labelFormat)) throw new Error(`--label-format: expected ${LABEL_FORMATS.join(' or ')}, got "${a['label-format']}"`);
  const outDir = a.out ?? 'out';
  const printer = progressPrinter();
  const log = printer.log;
  // Everything that can be checked without the model is checked before it is downloaded or loaded.
  checkCliSettings({ ...opts, crop: opts.crop ?? DEFAULT_SEGMENT.crop, stride: opts.stride ?? DEFAULT_SEGMENT.stride });
  await checkImagesReadable(positionals);
  if (a.weights && !existsSync(a.weights)) throw new Error(`--weights ${a.weights}: not found`);
  if (a.vocab && !existsSync(a.vocab)) throw new Error(`--vocab ${a.vocab}: file not found`);
  await checkOutDirWritable(outDir);
  const { names, notes } = uniqueOutputNames(positionals);
  for (const n of notes) log(`note: ${n}`);
  // Flags become options; their defaults, the environment's and the device's checks are the library's (settings.ts).
  const seg = await cliFlags(() =>
    ClearCLIP.load({
      weights: a.weights,
      model: a.model,
      pretrained: a.pretrained,
      dtype: a.dtype as 'f32' | 'f16' | undefined,
      quickGelu,
      vocab: a.vocab,
      log,
      onProgress: printer.event,
    }),
  );
  try {
    log(`device: ${seg.device.describe()}`);
    const colours = palette(spec.classNames.length);
    // One bad image does not stop the batch: each failure is reported, and the exit status says so at the end.
    const failures: string[] = [];
    for (const [index, file] of positionals.entries()) {
      try {
        // Decoded here (the overlay needs the pixels), so decoding is timed here too.
        const tDecode = performance.now();
        const img = await readImage(file);
        const decodeMs = performance.now() - tDecode;
        const r = await seg.segment(img, spec, { ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)), onProgress: printer.event });
        r.timings.decode = decodeMs;
        r.timings.total += decodeMs;
        // Created only once there is something to put in it.
        await mkdir(outDir, { recursive: true });
        const base = path.join(outDir, names[index]);
        await writeFile(`${base}.label.png`, encodeLabelPng(r.pred, r.width, r.height, colours, labelFormat));
        await writeFile(`${base}.overlay.png`, encodePng(overlayImage(img, r.pred, colours, spec.classNames)));
        if (a.json) {
          const shares = classShares(r.pred, spec.classNames.length);
          const json = {
            image: file,
            width: r.width,
            height: r.height,
            inferenceSize: r.inferenceSize,
            windows: r.windows,
            classes: spec.classNames.map((name, i) => ({ index: i, name, share: shares[i], colour: colours[i] })),
            labelPng: { file: `${path.basename(base)}.label.png`, format: labelFormat, pixelValue: 'class index' },
            timingsMs: r.timings,
            provenance: await provenance({
              model: a.model, pretrained: a.pretrained, weightsArg: a.weights, weightsFile: seg.weightsFile, dtype: seg.settings.dtype,
              inference: {
                scale: opts.scale, crop: opts.crop ?? DEFAULT_SEGMENT.crop, stride: opts.stride ?? DEFAULT_SEGMENT.stride,
                logitScale: opts.logitScale ?? DEFAULT_SEGMENT.logitScale, probThd: opts.probThd ?? DEFAULT_SEGMENT.probThd,
                preset: presetName, lastBlock: form, queries: spec.queries, queryClass: spec.queryClass,
              },
              adapter: seg.device.describe(),
            }),
          };
          await writeFile(`${base}.json`, JSON.stringify(json, null, 2));
        }
        log(`[${index + 1}/${positionals.length}] ${file}: ${r.width}x${r.height} (${r.windows} windows at ${r.inferenceSize.join('x')}) in ${r.timings.total.toFixed(0)} ms -> ${base}.{label,overlay}.png`);
      } catch (e) {
        failures.push(file);
        log(`${file}: FAILED: ${(e as Error).message}`);
      }
    }
    if (failures.length > 0) {
      log(`clearclip: ${failures.length} of ${positionals.length} image(s) failed: ${failures.join(', ')}`);
      return 1;
    }
  } finally {
    seg.dispose();
  }
  return 0;
}
