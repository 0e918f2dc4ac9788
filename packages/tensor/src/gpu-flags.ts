/**
 * The WebGPU flag constants the tensor core uses, with the values the WebGPU spec fixes for them. Browsers expose
 * them as globals (GPUBufferUsage, GPUMapMode); Dawn in Node only hands them out as an object. Keeping them here
 * means the library needs neither, and no longer copies Dawn's globals onto globalThis for the host process.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = {
  READ: 0x0001,
} as const;
