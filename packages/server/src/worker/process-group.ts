import { readdir, readFile } from 'node:fs/promises';

/**
 * Process-group signalling. Every attempt is spawned as the leader of its own group (detached), so
 * one signal to `-pid` reaches the command and everything it started (a shell's children, a
 * Python script's workers) and nothing else.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

export function groupIsAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Processes of group `pgid` whose environment holds `marker` (`NAME=value`). Recovery uses it to
 * find an attempt's processes left behind by a runner that died: a pid alone could have been
 * reused by an unrelated process since, the attempt's own environment variable cannot.
 * Linux only (reads /proc); elsewhere it finds nothing.
 */
export async function findGroupMembersWithMarker(pgid: number, marker: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Field 5 (pgrp) comes after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const environ = await readFile(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(marker)) out.push(Number(entry));
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return out;
}
