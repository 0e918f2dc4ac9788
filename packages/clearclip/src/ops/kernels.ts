// ClearCLIP's own kernels (window merge, segmentation post-processing) join the tensor core's registry when any
// op of this folder is imported; the sources are bundled by scripts/bundle-kernels.mjs from ../../kernels/*.wgsl.
import { registerKernels } from '@clearclip/tensor';
import { KERNEL_SOURCES } from '../kernels.generated.js';

registerKernels('clearclip', KERNEL_SOURCES);
