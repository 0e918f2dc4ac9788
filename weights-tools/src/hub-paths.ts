/**
 * Cache paths built from what the hub (or the user) says. A commit comes from the server's X-Repo-Commit header
 * and a revision from --revision: both become folder names, so both are checked before use, and every path is
 * resolved and required to stay under the cache root.
 */
import path from 'node:path';

export class CachePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CachePathError';
  }
}

/** A git commit as the hub sends it: 40 lowercase hex digits. */
export function isCommitHash(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/**
 * A branch or tag name (or refs/pr/N): segments of letters, digits, `_ . -`, separated by single `/`, none of
 * them `.`/`..` or starting with `.` or `-` (git forbids these too).
 */
export function checkRevision(revision: string): string {
  const segs = revision.split('/');
  const ok = revision.length > 0 && revision.length <= 255 && segs.every((s) => /^[\w][\w.-]*$/.test(s) && !s.endsWith('.lock') && !s.includes('..'));
  if (!ok) throw new CachePathError(`revision ${JSON.stringify(revision)}: not a branch, tag or commit name (letters, digits, _ . - and single / only)`);
  return revision;
}

/** The commit the hub answered, refused unless it is a 40-hex commit hash. */
export function checkCommit(commit: string, what: string): string {
  if (!isCommitHash(commit)) throw new CachePathError(`the hub answered an invalid commit ${JSON.stringify(commit.slice(0, 80))} for ${what} (expected 40 hex digits); refusing to use it as a cache path`);
  return commit;
}

/** `root/...parts`, refused when the resolved path is not inside `root`. */
export function pathUnder(root: string, ...parts: string[]): string {
  const r = path.resolve(root);
  const p = path.resolve(r, ...parts);
  const rel = path.relative(r, p);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new CachePathError(`cache path ${p} escapes the cache root ${r}`);
  }
  return p;
}
