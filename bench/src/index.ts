export { runCase, type BenchRow, type RunOptions } from './runner.js';
export { type BenchCase, type Prepared, benchCase, matmulCase, softmaxCase, layerNormCase, vitB16Cases } from './cases.js';
export { timeOurs, timeWall, type Timing, type TimingOptions, type TimingMethod } from './timing.js';
export { createTfjsPeer, type Peer } from './peer-tfjs.js';
export { peerOps, type PeerRun } from './peer-ops.js';
