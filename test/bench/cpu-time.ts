/**
 * CPU time of processes on this machine (Linux `/proc`), split by thread: where a bench stage's
 * machine time went, per message. Throughput on a shared 2-core machine moves by a third from run
 * to run; the CPU each process spends per message moves far less, so it says which part costs what.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Names the group a thread's CPU time is counted in, from the thread's name (`comm`) and whether
 * it is the process's main thread.
 */
export type ThreadGroups = (threadName: string, main: boolean) => string;

export interface MeteredProcess {
  readonly pid: number;
  /** Default: the whole process as one group. */
  readonly groups?: ThreadGroups;
}

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU of each thread group of a process, in µs. */
function cpuByGroup(pid: number, groups: ThreadGroups): Map<string, number> {
  const totals = new Map<string, number>();
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
    } catch {
      continue; // the thread ended since the listing
    }
    // `pid (comm) state …`: comm may hold spaces and parentheses, so split after the last ')'.
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    const group = groups(name, thread === String(pid));
    totals.set(group, (totals.get(group) ?? 0) + (ticks / ticksPerSecond) * 1e6);
  }
  return totals;
}

/**
 * Starts counting the CPU of the given processes; `perMessage(n)` gives what each process (and
 * thread group, as `<process>_<group>`) spent since the start, in µs per message.
 */
export function meterCpu(processes: Readonly<Record<string, MeteredProcess>>): {
  perMessage(messages: number): Record<string, number>;
} {
  const read = () => {
    const totals = new Map<string, number>();
    for (const [name, { pid, groups }] of Object.entries(processes))
      for (const [group, micros] of cpuByGroup(pid, groups ?? (() => '')))
        totals.set(group === '' ? name : `${name}_${group}`, micros);
    return totals;
  };
  const start = read();
  return {
    perMessage(messages) {
      const result: Record<string, number> = {};
      for (const [key, micros] of read())
        result[key] = Number(((micros - (start.get(key) ?? 0)) / messages).toFixed(1));
      return result;
    },
  };
}

/**
 * A Node.js process with chDB in it: the main thread (JavaScript, and the part of garbage
 * collection done there), Node's other threads (all named `node`: V8's helpers, mostly garbage
 * collection, and the libuv pool, on which chDB runs each statement's own work, such as parsing
 * an insert's rows and writing its part), and ClickHouse's pools (named by their work: merges,
 * queries' pipelines, background schedules).
 */
export const nodeAndClickHouse: ThreadGroups = (name, main) =>
  main
    ? 'main'
    : name === 'node' || name.startsWith('v8:') || name.startsWith('libuv')
      ? 'node'
      : 'clickhouse';
