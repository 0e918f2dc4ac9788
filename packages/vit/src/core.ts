// The environment-neutral part of @clearclip/vit (subpath `@clearclip/vit/core`): everything but file paths.
// Weights come from a TensorSource (uploadClipWeights), the tokenizer from text (fromBpeText / fromHubText).
export { type ClipConfig, type VisionConfig, type TextConfig, parseOpenClipConfig } from './config.js';
export { expectedTensors, checkTensorSet } from './checkpoint.js';
export { runtimeLayout, runtimeShape, isDroppedKey, keepsF32, RUNTIME_FORMAT, TRANSPOSED_SUFFIXES, KEEP_F32_KEYS, type RuntimeLayout } from './runtime-layout.js';
export { type HeadView, type HeadDims, attentionWeights, applyAttention, causalMask } from './attention.js';
export { useFusedAttention, fusedAttentionEnabled, useFusedLayerNorm, fusedLayerNormEnabled } from './fusion.js';
export { type BlockWeights, type TransformerBlock, ResidualAttentionBlock, blockWeights } from './block.js';
export { VisionTransformer, type VisionForwardOptions } from './vision.js';
export { TextTransformer, eotRows } from './text.js';
export { type PrefixCache, encodePrefixes, encodeSuffixes } from './text-prefix.js';
export { type LoadedWeights, type TensorSource, uploadClipWeights } from './weights-core.js';
export { CLIP } from './clip.js';
export { ClipTokenizer, cleanText, fixText, htmlUnescape, bytesToUnicode } from './tokenizer/index.js';
