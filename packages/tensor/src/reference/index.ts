export * from './elementwise.js';
export * from './gather.js';
