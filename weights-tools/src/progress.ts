/** Download progress on stderr: a redrawn bar on a terminal, a line per 10% otherwise (logs, CI). */
import type { DownloadProgress } from './download.js';

function mib(n: number): string {
  return (n / 1048576).toFixed(1);
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  let lastStep = -1;
  let start = Date.now();
  let current = '';
  return (p) => {
    if (p.file !== current) {
      current = p.file;
      start = Date.now();
      lastStep = -1;
    }
    const pct = p.total ? Math.min(100, (100 * p.downloaded) / p.total) : null;
    if (tty) {
      const now = Date.now();
      if (!p.done && now - lastDraw < 100) return;
      lastDraw = now;
      const width = 30;
      const filled = pct === null ? 0 : Math.round((pct / 100) * width);
      const rate = p.downloaded / Math.max(0.001, (now - start) / 1000);
      const bar = pct === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}% `;
      stream.write(`\r${p.file} ${bar}${mib(p.downloaded)}${p.total ? '/' + mib(p.total) : ''} MiB ${mib(rate)} MiB/s\x1b[K`);
      if (p.done) stream.write('\n');
      return;
    }
    const step = pct === null ? -1 : Math.floor(pct / 10);
    if (p.done || step > lastStep) {
      lastStep = step;
      stream.write(`${p.repo}/${p.file}: ${mib(p.downloaded)}${p.total ? '/' + mib(p.total) : ''} MiB${pct === null ? '' : ` (${pct.toFixed(0)}%)`}${p.done ? ' done' : ''}\n`);
    }
  };
}
