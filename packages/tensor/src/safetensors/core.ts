// The browser-safe part of the safetensors code (no node:fs): dtypes, header parsing and the in-memory reader.
// Exported as the subpath `@clearclip/tensor/safetensors-core`; `@clearclip/tensor/safetensors` adds the file reader and writer.
export { type StDtype, ST_DTYPE_SIZE, SafetensorsError } from './dtypes.js';
export { type StEntry, parseHeader, MAX_HEADER_BYTES } from './header.js';
export { SafetensorsBytes, rawToFloat32 } from './bytes.js';
