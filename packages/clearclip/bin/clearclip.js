#!/usr/bin/env node
// The `clearclip` command. This small file is committed (and executable) so that npm links a bin that exists right
// after `npm ci` in a clone and in the published package; the program itself is ../dist/cli/main.js.
//
// It runs the program in a child process whose stderr it passes through, less the two warnings Dawn prints on every
// adapter request on some drivers ("maxDynamic...PerPipelineLayout artificially reduced ..."): they come from native
// code writing to file descriptor 2, which a Node process cannot filter in itself. Set CLEARCLIP_RAW_STDERR=1 to
// run in-process with stderr untouched.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);

async function runHere() {
  if (!existsSync(entry)) {
    process.stderr.write(
      `clearclip: ${fileURLToPath(entry)} does not exist: this copy of clearclip is not built.\n` +
        'In a clone of the repository run `npm run build` (npm ci runs it too); an installed package ships it built.\n',
    );
    process.exit(2);
  }
  const { run } = await import(entry.href);
  process.exitCode = await run(process.argv.slice(2));
}

const DAWN_LIMIT_WARNING = /^Warning: maxDynamic\w+PerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

function runFiltered() {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, CLEARCLIP_RAW_STDERR: '1', CLEARCLIP_STDERR_TTY: process.stderr.isTTY ? String(process.stderr.columns || 80) : '' },
  });
  // Pass text through as it comes (progress lines are redrawn with \r and no newline), holding back only a line
  // that could still turn out to be the warning.
  let held = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    held += chunk;
    let out = '';
    for (;;) {
      const nl = held.indexOf('\n');
      if (nl < 0) break;
      const line = held.slice(0, nl);
      held = held.slice(nl + 1);
      if (!DAWN_LIMIT_WARNING.test(line)) out += line + '\n';
    }
    if (held && !'Warning: maxDynamic'.startsWith(held.slice(0, 19))) {
      out += held;
      held = '';
    }
    if (out) process.stderr.write(out);
  });
  child.stderr.on('end', () => held && process.stderr.write(held));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('close', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    else process.exitCode = code ?? 1;
  });
}

if (process.env.CLEARCLIP_RAW_STDERR === '1') await runHere();
else runFiltered();
