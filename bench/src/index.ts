export { runCase, type BenchRow, type RunOptions } from './runner.js';
export { type BenchCase, type Prepared, matmulCase, softmaxCase, layerNormCase, vitB16Cases, available, randomData } from './cases.js';
export { timeOurs, timeWall, type Timing, type TimingOptions, type TimingMethod } from './timing.js';
export { createTfjsPeer, type Peer } from './peer-tfjs.js';
