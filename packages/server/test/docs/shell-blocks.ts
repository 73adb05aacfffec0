import { readFileSync } from 'node:fs';

/** One ```sh block of a Markdown file, as a user would copy it. */
export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's text, as written. */
  text: string;
  /** Why the doc test does not run it (`<!-- doc-test: skip <reason> -->` on the line above), if it does not. */
  skip?: string;
}

const SKIP_MARK = /^<!--\s*doc-test:\s*skip\s+(.+?)\s*-->\s*$/;

/**
 * The ```sh blocks of a Markdown file in order. A block that cannot run against a local demo (it
 * needs the user's own PostgreSQL, a second server, the Python mlflow package…) is marked in the
 * Markdown itself with `<!-- doc-test: skip <reason> -->` right above its fence, so the reason is
 * reviewed with the text it excuses.
 */
export function shellBlocks(markdownPath: string): ShellBlock[] {
  const lines = readFileSync(markdownPath, 'utf8').split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const skip = SKIP_MARK.exec(lines[start - 1] ?? '')?.[1];
    blocks.push({ line: start + 1, text: body.join('\n'), ...(skip ? { skip } : {}) });
  }
  return blocks;
}

/** The commands of a block: continuation lines joined, blank lines dropped (comments stay: bash ignores them). */
export function commandsOf(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}
