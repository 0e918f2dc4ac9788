// The arithmetic binary16 rounding now lives with the other references (@clearclip/tensor/reference), where the
// f16 cast reference uses it too; re-exported here for the weights-tools tests.
export { roundToHalfRef } from '@clearclip/tensor/reference';
