// The package version, read from package.json beside src/ and dist/ (both are one level below it), so that
// `clearclip --version` and provenance records cannot drift from what npm installed.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const VERSION: string = readVersion();
