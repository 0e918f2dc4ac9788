export * from './image/index.js';
export * from './render/index.js';
