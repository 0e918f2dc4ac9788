/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce: the op case table's generator. */
export { rng, uniform } from '@clearclip/tensor/op-cases';
