// One of the processes of the concurrent-download test: downloads REPO from the hub at argv[2] into argv[3].
import { downloadModel } from '@clearclip/weights-tools';

const [endpoint, cacheDir, repo] = process.argv.slice(2);
downloadModel({ repo, cacheDir, endpoint, offline: false, backoff: { baseMs: 20 } }).then(
  (r) => process.stdout.write(JSON.stringify(r)),
  (e: Error) => {
    process.stderr.write(`${e.name}: ${e.message}\n`);
    process.exit(1);
  },
);
