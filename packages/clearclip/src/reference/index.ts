export * from './window-merge.js';
export * from './seg-postprocess.js';
