// The browser entry of the library (`clearclip/browser`): no node:* module anywhere below it. Model and tokenizer
// from the hub (Cache Storage), images from Blob/ImageBitmap/ImageData, rendering to RGB buffers for a canvas.
export { ClearCLIPBrowser, TOKENIZER_REPO, WEIGHTS_FILE, type BrowserLoadOptions, type LoadProgress } from './clearclip-browser.js';
export { fetchHubFile, fetchHubText, hubUrl, DEFAULT_HUB_ENDPOINT, HUB_CACHE, type HubFile, type HubProgress } from './hub.js';
export { cachedQueryFeatures, QUERY_CACHE } from './query-cache.js';
export { runtimeView } from './runtime-view.js';
export { decodeBlob, rgbFromBitmap, rgbFromImageData, rgbFromRgba, toRgbImage } from './image.js';
export { ClearCLIPCore, DEFAULT_SEGMENT, type QueryFeatureSource, type SegmentOptions, type Segmentation } from '../segmenter.js';
export { parseClassFile, parseClassList, type ClassSpec } from '../classes.js';
export { PRESETS, type AttentionKind, type LastBlockForm, type PresetName } from '../last-block.js';
export { encodeQueries } from '../query-encode.js';
export { OPENAI_IMAGENET_TEMPLATES } from '../templates.js';
export type { RgbImage } from '../image/types.js';
export { mmsegRescaleSize, resizeLinearU8 } from '../image/resize.js';
export { palette, type Rgb } from '../render/palette.js';
export { labelImage, classShares } from '../render/label.js';
export { blendLabels } from '../render/blend.js';
export { HUB_MODELS, type HubModel } from '@clearclip/weights-tools/browser';
