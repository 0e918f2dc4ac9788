/** Summaries of checkpoint and runtime files for `weights-tools inspect`. */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { openCheckpoint } from './source.js';
import { sha256File } from './hash.js';

export interface InspectReport {
  file: string;
  format: string;
  fileBytes: number;
  sha256: string;
  parameters: number;
  tensors: { name: string; dtype: string; shape: number[] }[];
  dtypes: Record<string, number>;
  /** Metadata other than the embedded config. */
  metadata: Record<string, string>;
  /** Parsed open_clip_config metadata, when present. */
  config: unknown;
}

export async function inspectFile(file: string): Promise<InspectReport> {
  if (!existsSync(file)) throw new Error(`${file}: file not found`);
  const src = await openCheckpoint(file);
  try {
    const dtypes: Record<string, number> = {};
    let parameters = 0;
    for (const t of src.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      parameters += n;
      dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + n;
    }
    const { open_clip_config: cfgText, ...metadata } = src.metadata;
    let config: unknown = null;
    if (cfgText !== undefined) {
      try {
        config = JSON.parse(cfgText);
      } catch {
        throw new Error(`${path.basename(file)}: metadata open_clip_config is not valid JSON`);
      }
    }
    return {
      file,
      format: src.metadata.format ?? src.format,
      fileBytes: (await stat(file)).size,
      sha256: await sha256File(file),
      parameters,
      tensors: src.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
      dtypes,
      metadata,
      config,
    };
  } finally {
    await src.close();
  }
}

function human(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function formatReport(r: InspectReport): string {
  const lines = [
    `file:       ${r.file}`,
    `format:     ${r.format}`,
    `size:       ${r.fileBytes} bytes (${human(r.fileBytes)})`,
    `sha256:     ${r.sha256}`,
    `tensors:    ${r.tensors.length}`,
    `parameters: ${r.parameters.toLocaleString('en-US')} (${Object.entries(r.dtypes).map(([d, n]) => `${d}: ${n}`).join(', ')})`,
  ];
  for (const [k, v] of Object.entries(r.metadata)) lines.push(`metadata.${k}: ${v}`);
  if (r.config) lines.push(`config: ${JSON.stringify(r.config)}`);
  // A loop, not Math.max(...spread): files with 10^5+ tensors would overflow the argument stack.
  let w = 4;
  for (const t of r.tensors) w = Math.max(w, t.name.length);
  lines.push('');
  for (const t of r.tensors) lines.push(`${t.name.padEnd(w)}  ${t.dtype.padEnd(4)}  [${t.shape.join(', ')}]`);
  return lines.join('\n');
}
