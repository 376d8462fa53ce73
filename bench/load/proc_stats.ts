/**
 * Reads memory and CPU of processes from Linux /proc. A server may fork workers (Firetower's
 * `--workers N`), so figures are summed over the process and all its descendants.
 *
 * @module
 */

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** Memory of one process tree in KiB. */
export interface MemoryKb {
  /** Current resident set (VmRSS). */
  rss: number;
  /** Peak resident set (VmHWM). */
  hwm: number;
}

/** The pid followed by all its descendants; empty when the pid no longer exists. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let tasks: Deno.DirEntry[];
    try {
      tasks = [...Deno.readDirSync(`/proc/${p}/task`)];
    } catch {
      continue;
    }
    out.push(p);
    for (const task of tasks) {
      try {
        const text = Deno.readTextFileSync(`/proc/${p}/task/${task.name}/children`).trim();
        if (text.length > 0) { for (const c of text.split(" ")) stack.push(Number(c)); }
      } catch { /* the task ended meanwhile */ }
    }
  }
  return out;
}

/** VmRSS and VmHWM summed over the trees of `pids`. */
export function readMemoryKb(pids: number[]): MemoryKb {
  const total = { rss: 0, hwm: 0 };
  for (const root of pids) {
    for (const pid of processTree(root)) {
      try {
        const status = Deno.readTextFileSync(`/proc/${pid}/status`);
        total.rss += statusFieldKb(status, "VmRSS:");
        total.hwm += statusFieldKb(status, "VmHWM:");
      } catch { /* exited meanwhile */ }
    }
  }
  return total;
}

function statusFieldKb(status: string, key: string): number {
  const at = status.indexOf(key);
  if (at < 0) return 0;
  return parseInt(status.slice(at + key.length).trimStart(), 10) || 0;
}

/** User plus system CPU seconds of one process (not its children), or 0 if it is gone. */
export function cpuSeconds(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** CPU seconds summed over the trees of `pids`. */
export function treeCpuSeconds(pids: number[]): number {
  let sum = 0;
  for (const root of pids) for (const pid of processTree(root)) sum += cpuSeconds(pid);
  return sum;
}

/** Whether the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}
