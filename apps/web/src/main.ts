// The page: controls, drawing and read-outs. The model itself runs in worker.ts.
import { HUB_MODELS, PRESETS, type LastBlockForm, type PresetName } from 'clearclip/browser';
import type { FromWorker, ModelChoice, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

/** What tests (and curious users) can read: the page's state and its last result. */
interface PageState {
  state: 'idle' | 'loading' | 'segmenting' | 'done' | 'error' | 'no-webgpu';
  error?: string;
  result?: Extract<FromWorker, { type: 'result' }>;
  loaded?: Extract<FromWorker, { type: 'loaded' }>;
}
const page: PageState = { state: 'idle' };
Object.assign(window, { __clearclip: page });

function status(text: string): void {
  $('status').textContent = text;
}

async function webgpuMissing(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'This browser has no WebGPU (navigator.gpu is missing), so the model cannot run here.';
  try {
    if (!(await gpu.requestAdapter())) return 'WebGPU is present but gave no adapter (it may be disabled, or this GPU is blocklisted).';
  } catch (e) {
    return `WebGPU failed to start: ${(e as Error).message}`;
  }
  return null;
}

// --- model choice ---------------------------------------------------------------------------------------------
const backbone = $<HTMLSelectElement>('backbone');
for (const m of HUB_MODELS) backbone.add(new Option(`${m.model} ${m.pretrained}`, `${m.model}|${m.pretrained}`));
backbone.value = 'ViT-B-16|openai';
// ?repo=owner/name adds (and selects) any OpenCLIP repo on the hub; ?hub= sets the endpoint, like HF_ENDPOINT.
const extraRepo = params.get('repo');
if (extraRepo) {
  backbone.add(new Option(`${extraRepo} (hub repo)`, `repo:${extraRepo}`));
  backbone.value = `repo:${extraRepo}`;
}
if (params.get('dtype')) $<HTMLSelectElement>('dtype').value = params.get('dtype')!;

const preset = $<HTMLSelectElement>('preset');
const switches = ['residual', 'attention', 'ffn'].map((id) => $<HTMLSelectElement>(id));
function showPreset(): void {
  const custom = preset.value === 'custom';
  for (const s of switches) s.disabled = !custom;
  if (!custom) {
    const f = PRESETS[preset.value as PresetName];
    switches[0].value = f.residual ? 'keep' : 'drop';
    switches[1].value = f.attention;
    switches[2].value = f.ffn ? 'keep' : 'drop';
  }
}
preset.onchange = showPreset;
showPreset();

function form(): PresetName | LastBlockForm {
  if (preset.value !== 'custom') return preset.value as PresetName;
  return { residual: switches[0].value === 'keep', attention: switches[1].value as LastBlockForm['attention'], ffn: switches[2].value === 'keep' };
}

function modelChoice(): ModelChoice {
  return {
    backbone: backbone.value,
    endpoint: params.get('hub') ?? undefined,
    tokenizerRepo: params.get('tokenizerRepo') ?? undefined,
    dtype: $<HTMLSelectElement>('dtype').value as ModelChoice['dtype'],
  };
}

// --- image ----------------------------------------------------------------------------------------------------
let image: Blob | null = null;
function setImage(b: Blob): void {
  image = b;
  const img = $<HTMLImageElement>('preview');
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(b);
}
const drop = $('drop');
drop.ondragover = (e) => {
  e.preventDefault();
  drop.classList.add('over');
};
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) setImage(f);
};
$<HTMLInputElement>('file').onchange = (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) setImage(f);
};

// --- results --------------------------------------------------------------------------------------------------
function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function showTimings(): void {
  const rows: string[] = [];
  const add = (group: string, t: Record<string, number>) => {
    for (const [k, v] of Object.entries(t)) rows.push(`<tr><td>${group}</td><td>${k}</td><td class="ms">${fmt(v)} ms</td></tr>`);
  };
  if (page.loaded) add('load', page.loaded.loadTimings);
  if (page.result) add('segment', page.result.timings);
  $('timings').innerHTML = rows.join('');
}

function labelMapPng(r: NonNullable<PageState['result']>): Promise<Blob> {
  const c = new OffscreenCanvas(r.width, r.height);
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(r.width, r.height);
  for (let p = 0; p < r.pred.length; p++) {
    const v = r.pred[p];
    img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c.convertToBlob({ type: 'image/png' });
}

async function showResult(r: NonNullable<PageState['result']>): Promise<void> {
  const canvas = $<HTMLCanvasElement>('overlay');
  canvas.width = r.width;
  canvas.height = r.height;
  const ctx = canvas.getContext('2d')!;
  const rgba = ctx.createImageData(r.width, r.height);
  for (let p = 0; p < r.width * r.height; p++) {
    rgba.data.set(r.overlay.subarray(3 * p, 3 * p + 3), 4 * p);
    rgba.data[4 * p + 3] = 255;
  }
  ctx.putImageData(rgba, 0, 0);
  const pct = (s: number) => `${(s * 100).toFixed(s >= 0.1 ? 0 : 1)}%`;
  $('legend').innerHTML = r.classNames
    .map((n, i) => `<li data-class="${i}"><span class="sw" style="background:rgb(${r.colours[i].join(',')})"></span>${escapeHtml(n)} <b class="share">${pct(r.shares[i])}</b></li>`)
    .join('');
  canvas.onmousemove = (e) => {
    const b = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - b.left) / b.width) * r.width);
    const y = Math.floor(((e.clientY - b.top) / b.height) * r.height);
    if (x < 0 || y < 0 || x >= r.width || y >= r.height) return;
    const c = r.pred[y * r.width + x];
    $('hover').textContent = `(${x}, ${y}): ${r.classNames[c]} (${pct(r.shares[c])} of the image)`;
  };
  canvas.onmouseleave = () => ($('hover').textContent = '');
  const a = $<HTMLAnchorElement>('download');
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(await labelMapPng(r));
  a.download = 'label-map.png';
  a.hidden = false;
  showTimings();
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// --- the worker -----------------------------------------------------------------------------------------------
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const progress = $<HTMLProgressElement>('progress');
let nextId = 1;
worker.onmessage = async (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  if (m.type === 'progress') {
    const p = m.p;
    progress.hidden = false;
    if (p.stage === 'download') {
      progress.value = p.total ? p.downloaded / p.total : 0;
      status(`${p.cached ? 'reading' : 'downloading'} ${p.file}: ${(p.downloaded / 1e6).toFixed(1)}${p.total ? ` / ${(p.total / 1e6).toFixed(1)}` : ''} MB${p.cached ? ' (from this browser\'s storage)' : ''}`);
    } else if (p.stage === 'convert') {
      progress.value = p.tensor / p.total;
      status(`converting and uploading the weights: tensor ${p.tensor + 1} of ${p.total}`);
    } else status('loading the tokenizer');
  } else if (m.type === 'loaded') {
    page.loaded = m;
    progress.hidden = true;
    page.state = 'segmenting';
    status(`model ready (${m.dtype}${m.fromCache ? ', from this browser\'s storage' : ''}); segmenting`);
    $('adapter').textContent = `GPU: ${m.adapter}`;
  } else if (m.type === 'result') {
    page.result = m;
    await showResult(m);
    page.state = 'done';
    status(`done in ${fmt(m.timings.total)} ms`);
    $<HTMLButtonElement>('segment').disabled = false;
  } else {
    page.state = 'error';
    page.error = m.message;
    progress.hidden = true;
    status(`error: ${m.message}`);
    $<HTMLButtonElement>('segment').disabled = false;
  }
};

$('controls').onsubmit = (e) => {
  e.preventDefault();
  if (!image) return status('choose an image first');
  $<HTMLButtonElement>('segment').disabled = true;
  page.state = 'loading';
  page.error = undefined;
  status('starting');
  const msg: ToWorker = { type: 'segment', id: nextId++, model: modelChoice(), image, classes: $<HTMLInputElement>('classes').value, form: form() };
  worker.postMessage(msg);
};

// --- start ----------------------------------------------------------------------------------------------------
void (async () => {
  const missing = await webgpuMissing();
  if (missing) {
    page.state = 'no-webgpu';
    const box = $('nogpu');
    box.style.display = 'block';
    box.innerHTML = `<b>${escapeHtml(missing)}</b><br>WebGPU is in Chrome and Edge 113+ on Windows, macOS and ChromeOS (Android 121+), in Safari 26 (macOS, iOS), and in Firefox 141+ on Windows; on Linux, Chrome needs <code>--enable-unsafe-webgpu</code> or the WebGPU flag in chrome://flags.`;
    $<HTMLButtonElement>('segment').disabled = true;
    return;
  }
  // The project's own sample picture, preloaded.
  const res = await fetch('demo.png');
  if (res.ok) setImage(await res.blob());
})();
