export { palette, type Rgb } from './palette.js';
export { labelImage, classShares } from './label.js';
export { overlayImage, legendMetrics, type LegendMetrics } from './overlay.js';
export { encodePng } from './png.js';
export { encodeLabelPng, defaultLabelFormat, LABEL_FORMATS, type LabelFormat } from './label-png.js';
export { blendLabels } from './blend.js';
