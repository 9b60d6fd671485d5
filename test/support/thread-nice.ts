/**
 * The nice value of every thread of this process (Linux: /proc/self/task/<tid>/stat,
 * field 19), and of the calling thread: to show which threads yield to the event loop.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";

export const threadNicesAvailable = existsSync("/proc/self/task");

function niceOf(tid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  } catch {
    return undefined; // the thread ended meanwhile
  }
}

export function threadNices(): number[] {
  return readdirSync("/proc/self/task")
    .map(niceOf)
    .filter((n): n is number => n !== undefined);
}

/** The nice value of the process's main thread (its thread id is the process id). */
export function mainThreadNice(): number {
  return niceOf(String(process.pid))!;
}
