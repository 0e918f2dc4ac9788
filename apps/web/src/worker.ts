// The model's home: loading, conversion and segmentation run here, so the page stays responsive.
import { ClearCLIPBrowser, blendLabels, classShares, palette, toRgbImage, type BrowserLoadOptions } from 'clearclip/browser';
import type { FromWorker, ModelChoice, ToWorker } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let loaded: { key: string; seg: ClearCLIPBrowser } | null = null;

function loadOptions(m: ModelChoice): BrowserLoadOptions {
  const base: BrowserLoadOptions = { endpoint: m.endpoint || undefined, tokenizerRepo: m.tokenizerRepo || undefined, dtype: m.dtype };
  if (m.backbone.startsWith('repo:')) return { ...base, repo: m.backbone.slice(5) };
  const [model, pretrained] = m.backbone.split('|');
  return { ...base, model, pretrained };
}

async function model(m: ModelChoice): Promise<ClearCLIPBrowser> {
  const key = JSON.stringify(m);
  if (loaded?.key === key) return loaded.seg;
  loaded?.seg.dispose();
  loaded = null;
  let fromCache = true;
  const seg = await ClearCLIPBrowser.load({
    ...loadOptions(m),
    onProgress: (p) => {
      if (p.stage === 'download' && !p.cached) fromCache = false;
      post({ type: 'progress', p });
    },
  });
  loaded = { key, seg };
  post({ type: 'loaded', adapter: seg.device.describe(), dtype: seg.clip.dtype, loadTimings: seg.loadTimings, fromCache });
  return seg;
}

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  try {
    const seg = await model(msg.model);
    // Decoded here once: the model and the overlay both need the pixels.
    const t0 = performance.now();
    const photo = await toRgbImage(msg.image);
    const r = await seg.segmentRgb(photo, msg.classes, { form: msg.form, probs: false }, performance.now() - t0);
    const colours = palette(r.classNames.length);
    const overlay = blendLabels(photo, r.pred, colours).data;
    post(
      {
        type: 'result',
        id: msg.id,
        width: r.width,
        height: r.height,
        pred: r.pred,
        overlay,
        classNames: r.classNames,
        shares: classShares(r.pred, r.classNames.length),
        colours: colours.map((c) => [c[0], c[1], c[2]]),
        timings: r.timings,
      },
      [r.pred.buffer, overlay.buffer],
    );
  } catch (e) {
    post({ type: 'error', id: msg.id, message: (e as Error).message ?? String(e) });
  }
};
