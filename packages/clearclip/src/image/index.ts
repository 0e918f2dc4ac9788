export type { RgbImage } from './types.js';
export { newRgbImage } from './types.js';
export { decodeImage, readImage, type DecodeOptions } from './decode.js';
export { DEFAULT_MAX_IMAGE_PIXELS, ImageTooLargeError, maxImagePixels, checkPixels } from './pixel-limit.js';
export { exifOrientation, applyOrientation } from './exif.js';
export { mmsegRescaleSize, resizeLinearU8, resizeLinearU8Float } from './resize.js';
export { normalizeToNchw, segmentationNormalisation, CLIP_MEAN_255, CLIP_STD_255 } from './normalize.js';
