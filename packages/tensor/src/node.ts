// Node-only parts of the tensor package (they read or write files), kept off the main entry so that a browser
// bundle of @clearclip/tensor contains no node:* module.
export { nodeTuneStore } from './tune/node-store.js';
