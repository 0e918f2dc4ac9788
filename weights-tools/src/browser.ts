// The browser-safe part of weights-tools (subpath `@clearclip/weights-tools/browser`): the runtime layout rule,
// dtype casts, the hub model table and config parsing. Downloads to disk, conversion to files and checkpoint
// readers stay in the Node entry.
export { runtimeLayout, runtimeShape, isDroppedKey, keepsF32, RUNTIME_FORMAT, TRANSPOSED_SUFFIXES, KEEP_F32_KEYS, type RuntimeLayout } from '@clearclip/vit/runtime-layout';
export { isFloatDtype, toFloat32, transpose2d, fromFloat32 } from './cast.js';
export { f32ToF16Bits, f16BitsToF32, bf16BitsToF32 } from '@clearclip/tensor';
export { HUB_MODELS, findHubModel, type HubModel } from './hub-models.js';
export { parseConfigText, type OpenClipConfigJson } from './config-text.js';
export const CONFIG_NAME = 'open_clip_config.json';
