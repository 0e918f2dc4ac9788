export * from './elementwise.js';
