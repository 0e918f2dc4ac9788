/**
 * `clearclip weights convert | inspect | download` (the clearclip CLI mounts this under its own name, so that no
 * command resolves to an unclaimed public package). Errors go to stderr as one line naming the file/argument.
 */
import { parseArgs } from 'node:util';
import { convertCheckpoint } from './convert.js';
import { formatReport, inspectFile } from './inspect.js';
import { downloadModel } from './download.js';
import { progressReporter } from './progress.js';
import { HUB_MODELS } from './hub-models.js';

const HELP: Record<string, (prog: string) => string> = {
  convert: (prog) => `usage: ${prog} convert IN OUT [--dtype f32|f16] [--config open_clip_config.json] [--quick-gelu]
  IN is an OpenCLIP checkpoint (open_clip_model.safetensors, or a PyTorch zip such as open_clip_pytorch_model.bin);
  --config defaults to open_clip_config.json beside IN; --quick-gelu forces QuickGELU (OpenAI and MetaCLIP weights).`,
  inspect: (prog) => `usage: ${prog} inspect FILE [--json]
  tensors, dtypes, shapes and metadata of a safetensors file or PyTorch checkpoint.`,
  download: (prog) => `usage: ${prog} download MODEL PRETRAINED [--revision main] [--cache-dir DIR] [--endpoint URL]
                         [--offline] [--refresh] [--json]
       ${prog} download --repo org/name [--revision main] ...
models: ${HUB_MODELS.map((m) => `${m.model} ${m.pretrained}`).join(' | ')}`,
};

function usage(prog: string): string {
  return `usage: ${prog} convert|inspect|download ...\n\n${Object.values(HELP).map((h) => h(prog)).join('\n\n')}`;
}

class UsageError extends Error {}

function positionals(p: string[], names: string[], cmd: string): string[] {
  if (p.length !== names.length) throw new UsageError(`${cmd}: expected ${names.join(' ')}, got ${p.length} argument(s)`);
  return p;
}

export async function weightsCli(argv: string[], prog = 'clearclip weights'): Promise<number> {
  const [cmd, ...rest] = argv;
  const USAGE = usage(prog);
  if (cmd && HELP[cmd] && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(HELP[cmd](prog) + '\n');
    return 0;
  }
  try {
    switch (cmd) {
      case 'convert': {
        const { values, positionals: p } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { dtype: { type: 'string', default: 'f32' }, config: { type: 'string' }, 'quick-gelu': { type: 'boolean' } },
        });
        const [input, output] = positionals(p, ['IN', 'OUT'], 'convert');
        if (values.dtype !== 'f32' && values.dtype !== 'f16') throw new UsageError(`--dtype ${values.dtype}: must be f32 or f16`);
        const r = await convertCheckpoint({ input, output, dtype: values.dtype, config: values.config, quickGelu: values['quick-gelu'] ? true : undefined });
        process.stdout.write(
          `${r.output}: ${r.tensors} tensors, ${r.parameters} parameters, ${r.dtype}, ${r.outputBytes} bytes ` +
            `(from ${r.inputBytes}), ${r.transposed.length} transposed, ${r.dropped.length} dropped, ${r.seconds.toFixed(2)} s\n`,
        );
        return 0;
      }
      case 'inspect': {
        const { values, positionals: p } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
        const [file] = positionals(p, ['FILE'], 'inspect');
        const r = await inspectFile(file);
        process.stdout.write(values.json ? JSON.stringify(r, null, 2) + '\n' : formatReport(r) + '\n');
        return 0;
      }
      case 'download': {
        const { values, positionals: p } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            repo: { type: 'string' }, revision: { type: 'string' }, 'cache-dir': { type: 'string' }, endpoint: { type: 'string' },
            offline: { type: 'boolean' }, refresh: { type: 'boolean' }, json: { type: 'boolean' },
          },
        });
        const [model, pretrained] = values.repo ? [p[0], p[1]] : positionals(p, ['MODEL', 'PRETRAINED'], 'download');
        const r = await downloadModel({
          model, pretrained, repo: values.repo, revision: values.revision, cacheDir: values['cache-dir'], endpoint: values.endpoint,
          offline: values.offline ? true : undefined, refresh: values.refresh, onProgress: progressReporter(),
        });
        if (values.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else {
          process.stdout.write(`${r.weights}\n${r.config}\n`);
          if (r.quickGelu) process.stderr.write(`note: these weights use QuickGELU; convert with --quick-gelu\n`);
        }
        return 0;
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${prog}: ${(e as Error).message}\n${usage ? USAGE + '\n' : ''}`);
    return usage ? 2 : 1;
  }
}
