// Node-only (node:fs); exported as the subpath `@clearclip/tensor/safetensors`, never from the browser-safe main index.
export { type StDtype, ST_DTYPE_SIZE, SafetensorsError } from './dtypes.js';
export { type StEntry, parseHeader, MAX_HEADER_BYTES } from './header.js';
export { SafetensorsFile } from './reader.js';
export { type StTensorIn, writeSafetensors } from './writer.js';
export { SafetensorsBytes, rawToFloat32 } from './bytes.js';
