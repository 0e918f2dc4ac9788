import { CLASS_NAMES } from './dataset-classes.js';

export const DATASET_NAMES = ['voc21', 'voc20', 'context60', 'context59', 'coco-object', 'coco-stuff164k', 'cityscapes', 'ade20k'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/**
 * One benchmark as ClearCLIP's configs/cfg_*.py set it up on MMSeg's prepared layout. Folders are relative to
 * --data-root. Every field here is a default that a flag can override.
 */
export interface DatasetDef {
  /** A DatasetName, or a custom set's name. */
  name: string;
  /** The MMSeg dataset class upstream uses (recorded for provenance). */
  mmsegType: string;
  imgDir: string;
  annDir: string;
  /** Split file (one image name per line, no suffix); null = every image under imgDir, recursively, sorted. */
  splitFile: string | null;
  imgSuffix: string;
  segMapSuffix: string;
  /** MMSeg's reduce_zero_label: label 0 -> 255 (ignored), k -> k-1. */
  reduceZeroLabel: boolean;
  /** Prompt file in packages/clearclip/classes/ (upstream's configs/cls_*.txt names), or an absolute path. */
  classFile: string;
  classNames: readonly string[];
  probThd: number;
  slideCrop: number;
}

const VOC = { imgDir: 'JPEGImages', annDir: 'SegmentationClass', splitFile: 'ImageSets/Segmentation/val.txt', imgSuffix: '.jpg', segMapSuffix: '.png' };
const CONTEXT = { imgDir: 'JPEGImages', annDir: 'SegmentationClassContext', splitFile: 'ImageSets/SegmentationContext/val.txt', imgSuffix: '.jpg', segMapSuffix: '.png' };

export const DATASETS: Record<DatasetName, DatasetDef & { name: DatasetName }> = {
  voc21: { name: 'voc21', mmsegType: 'PascalVOCDataset', ...VOC, reduceZeroLabel: false, classFile: 'voc21.txt', classNames: CLASS_NAMES.voc21, probThd: 0.5, slideCrop: 448 },
  // ClearCLIP's PascalVOC20Dataset drops background by reduce_zero_label=True on the same VOC labels.
  voc20: { name: 'voc20', mmsegType: 'PascalVOC20Dataset', ...VOC, reduceZeroLabel: true, classFile: 'voc20.txt', classNames: CLASS_NAMES.voc20, probThd: 0, slideCrop: 448 },
  context60: { name: 'context60', mmsegType: 'PascalContext60Dataset', ...CONTEXT, reduceZeroLabel: false, classFile: 'context60.txt', classNames: CLASS_NAMES.context60, probThd: 0.15, slideCrop: 448 },
  context59: { name: 'context59', mmsegType: 'PascalContext59Dataset', ...CONTEXT, reduceZeroLabel: true, classFile: 'context59.txt', classNames: CLASS_NAMES.context59, probThd: 0, slideCrop: 448 },
  // Labels made by `clearclip convert-coco-object` (upstream datasets/cvt_coco_object.py).
  'coco-object': {
    name: 'coco-object', mmsegType: 'COCOObjectDataset', imgDir: 'images/val2017', annDir: 'annotations/val2017', splitFile: null,
    imgSuffix: '.jpg', segMapSuffix: '_instanceTrainIds.png', reduceZeroLabel: false, classFile: 'coco-object.txt', classNames: CLASS_NAMES['coco-object'], probThd: 0.4, slideCrop: 448,
  },
  'coco-stuff164k': {
    name: 'coco-stuff164k', mmsegType: 'COCOStuffDataset', imgDir: 'images/val2017', annDir: 'annotations/val2017', splitFile: null,
    imgSuffix: '.jpg', segMapSuffix: '_labelTrainIds.png', reduceZeroLabel: false, classFile: 'coco-stuff164k.txt', classNames: CLASS_NAMES['coco-stuff164k'], probThd: 0, slideCrop: 448,
  },
  cityscapes: {
    name: 'cityscapes', mmsegType: 'CityscapesDataset', imgDir: 'leftImg8bit/val', annDir: 'gtFine/val', splitFile: null,
    imgSuffix: '_leftImg8bit.png', segMapSuffix: '_gtFine_labelTrainIds.png', reduceZeroLabel: false, classFile: 'cityscapes.txt', classNames: CLASS_NAMES.cityscapes, probThd: 0, slideCrop: 224,
  },
  ade20k: {
    name: 'ade20k', mmsegType: 'ADE20KDataset', imgDir: 'images/validation', annDir: 'annotations/validation', splitFile: null,
    imgSuffix: '.jpg', segMapSuffix: '.png', reduceZeroLabel: true, classFile: 'ade20k.txt', classNames: CLASS_NAMES.ade20k, probThd: 0, slideCrop: 448,
  },
};

export function isDatasetName(s: string): s is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(s);
}

export function datasetDef(name: string): DatasetDef {
  if (!isDatasetName(name)) throw new Error(`unknown dataset '${name}'; expected one of ${DATASET_NAMES.join(', ')}`);
  return DATASETS[name];
}
