// The Node entry: the environment-neutral core plus file access (CLIP.load(device, path), ClipTokenizer.fromBpeGz(path)).
import './node-platform.js';

export * from './core.js';
export { loadClipWeights } from './weights.js';
