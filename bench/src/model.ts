/**
 * npm run bench -- --model [--reps N] [--no-peer] [--json FILE] [--filter TEXT] [--attention unfused|fused|both]
 *
 * Whole forwards of a real-size CLIP ViT-B/16 (random weights, fixed seed): what users wait for, beside the same
 * forwards written with TensorFlow.js ops on the same adapter from the same weight values. Ours are timed by wall
 * clock from recording to reading the output back (every submit included); the peer's the same way, synced with a
 * one-element read. Rounds alternate ours and the peer, and the ratio is the median of each round's peer / ours, so
 * that the drift of a shared machine does not land on one side only. Each row also counts our dispatches and
 * submits per run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GpuDevice, Tensor } from '@clearclip/tensor';
import { CLIP, ClipTokenizer, fusedAttentionEnabled, fusedLayerNormEnabled, useFusedAttention, useFusedLayerNorm } from '@clearclip/vit';
import { ClearCLIP, DecomposedBlock, OPENAI_IMAGENET_TEMPLATES, PRESETS, trimTokenRows } from 'clearclip';
import type * as TF from '@tensorflow/tfjs-core';
import { uniform as randomData } from '@clearclip/tensor/op-cases';
import type { Peer } from './peer-tfjs.js';
import { type HostWeights, tfjsClip } from './peer-tfjs-model.js';
import { randomWeights } from './random-vit.js';

export interface ModelRow {
  kind: 'model';
  forward: string;
  ms: number;
  dispatches: number;
  submits: number;
  /** Host time to record and submit one run (until the wait for the GPU begins), ms. */
  hostMs: number;
  /** Launches of the timed run that had to make their bind group (the rest reused one: binding-cache.ts). */
  newBindGroups: number;
  peerMs: number | null;
  /** Median over the interleaved rounds of peer / ours in that round: above 1 means ours is faster. */
  ratio: number | null;
}

interface ModelArgs {
  reps: number;
  warmup: number;
  vocab: string;
  demo: string;
  /** Run only the forwards whose name contains this text (case-insensitive). */
  filter: string | null;
  /** Attention paths to time each forward with (default both). */
  attention: ('unfused' | 'fused')[];
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface OurRun {
  ms: number;
  hostMs: number;
  dispatches: number;
  submits: number;
  newBindGroups: number;
}

async function runOurs(dev: GpuDevice, run: () => Promise<unknown>): Promise<OurRun> {
  const s0 = dev.stats();
  const t0 = performance.now();
  // run() records and submits synchronously up to its first await (the read-back): that part is host time.
  const p = run();
  const hostMs = performance.now() - t0;
  await p;
  const ms = performance.now() - t0;
  const s1 = dev.stats();
  return { ms, hostMs, dispatches: s1.dispatches - s0.dispatches, submits: s1.submits - s0.submits, newBindGroups: s1.bindGroups.misses - s0.bindGroups.misses };
}

async function runPeer(tf: Peer['tf'], run: () => TF.Tensor): Promise<number> {
  const t0 = performance.now();
  const r = run();
  const one = tf.tidy(() => tf.slice(tf.reshape(r, [-1]), 0, 1));
  await one.data();
  one.dispose();
  r.dispose();
  return performance.now() - t0;
}

/** Read an output back (the wait for the GPU), inside a scope that frees everything the forward made. */
const readBack = (dev: GpuDevice, f: () => Tensor) => dev.scopeAsync(async () => f().read());

export async function modelBench(dev: GpuDevice, peer: Peer | null, a: ModelArgs, onRow: (r: ModelRow) => void): Promise<ModelRow[]> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-model-bench-'));
  const rows: ModelRow[] = [];
  try {
    const file = path.join(tmp, 'vit-b-16-random.safetensors');
    const host: HostWeights = new Map();
    await randomWeights(file, host);
    const clip = await CLIP.load(dev, file);
    const tok = await ClipTokenizer.fromBpeGz(a.vocab);
    const tfModel = peer ? tfjsClip(peer.tf, host) : null;
    host.clear();
    const lastBlock = new DecomposedBlock(clip.visual.blocks.at(-1)!, PRESETS.clearclip);

    // Each forward with both attention paths (matmul -> softmax -> matmul, and the fused kernel), then the peer.
    const add = async (forward: string, mine: () => Promise<unknown>, theirs: (() => TF.Tensor) | null) => {
      if (a.filter && !forward.toLowerCase().includes(a.filter.toLowerCase())) return;
      // Each forward with the separate launches (attention as matmul -> softmax -> matmul, layer norms on their own)
      // and with both fused paths (fusion.ts); the adapter's default is one of the two, marked in the name.
      const def = fusedAttentionEnabled(dev) && fusedLayerNormEnabled(dev);
      const paths = ([[false, ''], [true, ' [fused attn+ln]']] as [boolean, string][]).filter(([on]) => a.attention.includes(on ? 'fused' : 'unfused'));
      const ours = (on: boolean) => {
        useFusedAttention(on);
        useFusedLayerNorm(on);
        return runOurs(dev, mine).finally(() => {
          useFusedAttention(null);
          useFusedLayerNorm(null);
        });
      };
      for (let i = 0; i < a.warmup; i++) {
        for (const [on] of paths) await ours(on);
        if (peer && theirs) await runPeer(peer.tf, theirs);
      }
      // Rounds interleave the paths and the peer, so that a slow spell of this shared machine lands on both sides
      // of a ratio: each round gives its own peer/ours, and the row shows the medians.
      const runs: OurRun[][] = paths.map(() => []);
      const peerMs: number[] = [];
      for (let r = 0; r < a.reps; r++) {
        for (const [k, [on]] of paths.entries()) runs[k].push(await ours(on));
        if (peer && theirs) peerMs.push(await runPeer(peer.tf, theirs));
      }
      for (const [k, [on, tag]] of paths.entries()) {
        const rs = runs[k];
        const last = rs.at(-1)!;
        const row: ModelRow = {
          kind: 'model',
          forward: forward + tag + (on === def ? ' (default here)' : ''),
          ms: median(rs.map((x) => x.ms)),
          hostMs: median(rs.map((x) => x.hostMs)),
          dispatches: last.dispatches,
          submits: last.submits,
          newBindGroups: last.newBindGroups,
          peerMs: peerMs.length ? median(peerMs) : null,
          ratio: peerMs.length ? median(peerMs.map((p, r) => p / rs[r].ms)) : null,
        };
        rows.push(row);
        onRow(row);
      }
    };

    for (const [S, dense] of [[224, false], [448, false], [448, true]] as const) {
      const data = randomData(3 * S * S, S);
      const img = dev.keep(dev.tensor(data, [1, 3, S, S], 'f32', 'image'));
      const pimg = peer?.tf.tensor(data, [1, 3, S, S]);
      await add(
        dense ? `ClearCLIP dense ${S} (q-q last block)` : `vision ViT-B/16 ${S}`,
        () => readBack(dev, () => (dense ? clip.visual.encodeDense(img, { lastBlock }) : clip.visual.encodeImage(img))),
        tfModel && pimg ? () => tfModel.vision(pimg, { dense }) : null,
      );
      img.dispose();
      pimg?.dispose();
    }

    // The text tower on the 80 prompts of one class, rows cut after the longest end-of-text as queryFeatures does.
    const prompts = OPENAI_IMAGENET_TEMPLATES.map((t) => t('horse'));
    const ctx = clip.config.text.contextLength;
    const { ids, length } = trimTokenRows(tok.tokenize(prompts, ctx), prompts.length, ctx, tok.eotId);
    const pool = Array.from({ length: prompts.length }, (_, b) => {
      let best = 0;
      for (let l = 1; l < length; l++) if (ids[b * length + l] > ids[b * length + best]) best = l;
      return b * length + best;
    });
    const pids = peer?.tf.tensor(ids, [prompts.length, length], 'int32');
    const ppool = peer?.tf.tensor(pool, [pool.length], 'int32');
    await add(
      `text tower 80 prompts x ${length} tokens`,
      () => readBack(dev, () => clip.encodeText(ids, prompts.length)),
      tfModel && pids && ppool ? () => tfModel.text(pids, ppool) : null,
    );
    pids?.dispose();
    ppool?.dispose();
    tfModel?.dispose();

    // One segmentation of the demo picture (2 windows of 448), query features from the (warm) cache: ours only.
    const seg = await ClearCLIP.load({ weights: file, device: dev, cacheDir: path.join(tmp, 'cache'), vocab: a.vocab });
    const classes = 'sky,cloud,sun,mountain,grass,tree,house';
    await add('segment demo.png, 7 classes (warm queries)', () => seg.segment(a.demo, classes), null);
    seg.dispose();
    clip.dispose();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return rows;
}

export function printModelRow(r: ModelRow): void {
  const f = (x: number | null) => (x === null ? '-' : (x / 1000).toFixed(2));
  console.log(
    `${r.forward.padEnd(44)} ${f(r.ms).padStart(8)} s  ${String(r.dispatches).padStart(6)} dispatches ${String(r.submits).padStart(4)} submits ` +
      `host ${r.hostMs.toFixed(1).padStart(7)} ms  new bind groups ${String(r.newBindGroups).padStart(4)}   ` +
      `peer ${f(r.peerMs).padStart(8)} s   ratio ${r.ratio === null ? '-' : r.ratio.toFixed(2)}`,
  );
}
