export * from './elementwise.js';
export * from './gather.js';
export * from './softmax.js';
export * from './layernorm.js';
export * from './l2normalize.js';
export * from './max.js';
export * from './patch-embed.js';
export * from './cast.js';
