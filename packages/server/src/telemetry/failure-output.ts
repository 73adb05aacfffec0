import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const TAIL_BYTES = 8 * 1024;
const TAIL_LINES = 30;
const PYTHON_TRACEBACK = 'Traceback (most recent call last):';

/**
 * What a failed task process said last on stderr, as the stack of its exception: from the last
 * Python traceback when there is one (what a failed training script prints), else its last lines.
 * Read synchronously, once per failed attempt, and only its last 8 KiB: the attempt's span must
 * end before the runner moves on (see JobRunTracer). Undefined when there is nothing to read.
 */
export function failureOutput(stderrPath: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(stderrPath, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    if (len === 0) return undefined;
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    let text = buf.toString('utf8');
    // A cut first line is dropped, unless it is all there is.
    if (size > len && text.includes('\n')) text = text.slice(text.indexOf('\n') + 1);
    const traceback = text.lastIndexOf(PYTHON_TRACEBACK);
    const lines = (traceback >= 0 ? text.slice(traceback) : text).split('\n').map((l) => l.trimEnd());
    const kept = (traceback >= 0 ? lines : lines.filter((l) => l !== '').slice(-TAIL_LINES)).join('\n').trim();
    return kept === '' ? undefined : kept;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
