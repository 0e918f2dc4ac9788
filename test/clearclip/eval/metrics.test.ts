import t from 'tap';
import { accumulateImage, addAreas, areasToMetrics, emptyAreas, percent2 } from 'clearclip/eval';
import { rng } from '../../helpers/random.js';
import { bruteForce } from './build-datasets.js';

t.test('hand-made case: ignored pixels, absent class, predicted-only class, out-of-range predictions', async (t) => {
  // 4 classes, ignore 255. Pixels (pred, label):
  //   (0,0) (0,0) (1,0) (1,1) (3,1) (0,255) (2,255) (7,1) (-1,0)
  // Pixels with label 255 are dropped: (0,255) and (2,255) count nowhere, so class 2 appears in neither pred nor
  // label -> union 0 -> IoU NaN, Acc NaN (excluded from the means).
  // Out-of-range predictions 7 and -1 fall in no pred bin, but their labels (1 and 0) still count.
  // class 0: label {p0,p1,p2,p8} = 4, pred {p0,p1} = 2, I = 2, U = 2+4-2 = 4 -> IoU 1/2, Acc 1/2
  // class 1: label {p3,p4,p7} = 3, pred {p2,p3} = 2, I = 1 (p3), U = 4 -> IoU 1/4, Acc 1/3
  // class 3: pred {p4} = 1, label 0 -> I 0, U 1 -> IoU 0; Acc 0/0 = NaN
  // mIoU = (1/2 + 1/4 + 0)/3 = 1/4; mAcc = (1/2 + 1/3)/2 = 5/12; aAcc = (2+1)/(4+3) = 3/7
  const pred = [0, 0, 1, 1, 3, 0, 2, 7, -1];
  const label = [0, 0, 0, 1, 1, 255, 255, 1, 0];
  const a = emptyAreas(4);
  accumulateImage(a, pred, label, 255);
  t.same(Array.from(a.intersect), [2, 1, 0, 0]);
  t.same(Array.from(a.union), [4, 4, 0, 1]);
  t.same(Array.from(a.predLabel), [2, 2, 0, 1]);
  t.same(Array.from(a.label), [4, 3, 0, 0]);
  const m = areasToMetrics(a);
  t.equal(m.iou[0], 1 / 2);
  t.equal(m.iou[1], 1 / 4);
  t.ok(Number.isNaN(m.iou[2]), 'class absent from both is NaN');
  t.equal(m.iou[3], 0, 'predicted but never labelled is IoU 0');
  t.ok(Number.isNaN(m.acc[3]), 'Acc of a class with no label pixels is NaN');
  t.ok(Math.abs(m.mIoU - 1 / 4) < 1e-15);
  t.ok(Math.abs(m.mAcc - 5 / 12) < 1e-15);
  t.equal(m.aAcc, 3 / 7);
  t.equal(m.validIoU, 3);
  t.equal(m.validAcc, 2);
});

t.test('label values outside [0, n) that are not the ignore index count nowhere but in union via pred', async (t) => {
  // 2 classes; label 9 is out of range (histc drops it) yet not ignored, so pred 1 at that pixel counts in pred.
  // class 1: pred = 1, label = 0 -> U = 1, I = 0. class 0: pred 0 label 1 (p1) -> I 1, U 1.
  const a = emptyAreas(2);
  accumulateImage(a, [1, 0], [9, 0]);
  t.same(Array.from(a.predLabel), [1, 1]);
  t.same(Array.from(a.label), [1, 0]);
  t.same(Array.from(a.intersect), [1, 0]);
  t.same(Array.from(a.union), [1, 1]);
});

t.test('a different ignore index is honoured and 255 then counts as an out-of-range label', async (t) => {
  const a = emptyAreas(3);
  accumulateImage(a, [0, 1, 2], [0, 1, 2], 1);
  t.same(Array.from(a.label), [1, 0, 1]);
  t.same(Array.from(a.intersect), [1, 0, 1]);
});

t.test('accumulation over images equals the brute-force definition on random cases', async (t) => {
  for (let trial = 0; trial < 30; trial++) {
    const r = rng(100 + trial);
    const n = 1 + Math.floor(r() * 12);
    const imgs = Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
      const len = 1 + Math.floor(r() * 200);
      const pred = Array.from({ length: len }, () => Math.floor(r() * (n + 3)) - 1);
      const label = Array.from({ length: len }, () => (r() < 0.15 ? 255 : Math.floor(r() * (n + 1))));
      return { pred, label };
    });
    const a = emptyAreas(n);
    for (const im of imgs) accumulateImage(a, im.pred, im.label);
    const b = bruteForce(imgs, n);
    const m = areasToMetrics(a);
    t.same(Array.from(a.intersect), b.I, `trial ${trial} intersect`);
    t.same(Array.from(a.union), b.U, `trial ${trial} union`);
    t.same(Array.from(a.predLabel), b.P, `trial ${trial} pred`);
    t.same(Array.from(a.label), b.L, `trial ${trial} label`);
    t.ok(Object.is(m.mIoU, b.mIoU) || Math.abs(m.mIoU - b.mIoU) < 1e-12, `trial ${trial} mIoU ${m.mIoU} vs ${b.mIoU}`);
    t.ok(Object.is(m.mAcc, b.mAcc) || Math.abs(m.mAcc - b.mAcc) < 1e-12, `trial ${trial} mAcc`);
    t.ok(Object.is(m.aAcc, b.aAcc) || Math.abs(m.aAcc - b.aAcc) < 1e-12, `trial ${trial} aAcc`);
  }
});

t.test('areas add up: two halves equal the whole', async (t) => {
  const r = rng(7);
  const pred = Array.from({ length: 500 }, () => Math.floor(r() * 6));
  const label = Array.from({ length: 500 }, () => Math.floor(r() * 6));
  const whole = emptyAreas(6);
  accumulateImage(whole, pred, label);
  const h1 = emptyAreas(6);
  const h2 = emptyAreas(6);
  accumulateImage(h1, pred.slice(0, 200), label.slice(0, 200));
  accumulateImage(h2, pred.slice(200), label.slice(200));
  addAreas(h1, h2);
  t.same(h1, whole);
  t.throws(() => addAreas(emptyAreas(2), emptyAreas(3)));
  t.throws(() => accumulateImage(emptyAreas(2), [0], [0, 1]), /prediction has 1 pixels/);
});

t.test('percentages round as np.round(x * 100, 2) (half to even)', async (t) => {
  t.equal(percent2(2 / 3), 66.67);
  t.equal(percent2(0.123449), 12.34);
  t.equal(percent2(0.00125), 0.12, '0.125 % rounds half to even'); // 0.00125*100*100 = 12.5 -> 12
  t.equal(percent2(0.00135), 0.14); // 13.5 -> 14
  t.ok(Number.isNaN(percent2(NaN)));
});
