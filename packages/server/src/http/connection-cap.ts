import { readFileSync } from 'node:fs';

/** Where the open-file limit cannot be read (no /proc: macOS, Windows): set maxConnections there. */
export const FALLBACK_MAX_CONNECTIONS = 1024;

/** File descriptors kept back from client connections, at least: the database, artifact files, child processes' pipes. */
export const MIN_RESERVED_FILE_DESCRIPTORS = 128;

/**
 * The soft open-file limit (RLIMIT_NOFILE) of this process, from /proc/self/limits, or undefined
 * where it cannot be read. Node has no setrlimit, and needs none here: at start it raises its own
 * soft limit to the hard limit (src/node.cc, PlatformInit; `ulimit -Sn 256` before starting node
 * shows the hard limit in /proc/self/limits). So this is the hard limit the service manager or
 * shell gave the process, which only they can raise (systemd `LimitNOFILE=`, `ulimit -Hn`).
 */
export function openFileLimit(readLimits: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = readLimits();
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.slice('Max open files'.length).trim().split(/\s+/)[0]);
  return Number.isInteger(soft) && soft > 0 ? soft : undefined;
}

/**
 * How many client connections the server holds at once. `setting` > 0 is taken as is; 0 derives
 * the cap from the open-file limit: every connection is a descriptor, and a process out of them
 * can no longer accept a client, open an artifact or spawn a task, so a quarter of the limit (at
 * least 128, but never more than half) stays free for those. 1,024 descriptors give 768
 * connections, 65,536 give 49,152.
 */
export function connectionCap(setting: number, fileLimit: number | undefined): number {
  if (setting > 0) return setting;
  if (fileLimit === undefined) return FALLBACK_MAX_CONNECTIONS;
  const reserve = Math.max(MIN_RESERVED_FILE_DESCRIPTORS, Math.ceil(fileLimit / 4));
  return Math.max(Math.floor(fileLimit / 2), fileLimit - reserve, 1);
}
