/**
 * Looking into a running process from the outside, as someone who can read its memory
 * would (a core dump, a swap file, a debugger, /proc/PID/mem): every readable mapping of
 * a child process is read and searched for byte patterns.
 *
 * Reading /proc/PID/mem needs the right to trace the process: the same user, and (under
 * Yama's ptrace_scope 1) a descendant of the reader, which a child spawned by the test is.
 * Only private and anonymous mappings are searched: file-backed shared mappings (the
 * program, libraries, the models) hold what is on disk anyway, and mapped database files
 * are examined as files (test/support/db-files.ts).
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/** Readable mappings larger than this are read in slices of this size. */
const SLICE = 64 * 1024 * 1024;

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
}

/** The readable, private mappings of a process (heap, stacks, anonymous memory, V8's spaces, WebAssembly memories). */
export function readableMappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/maps`, "utf8").trim().split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, from, to, perms, path] = m as unknown as [string, string, string, string, string];
    if (perms[0] !== "r" || perms[3] !== "p") continue;
    if (path === "[vvar]" || path === "[vsyscall]" || path === "[vdso]") continue;
    // A private mapping of a file that was never written is the file itself; copy-on-write
    // pages written by the process ([heap], anonymous, data segments) are what we look at.
    if (path.startsWith("/") && !perms.includes("w")) continue;
    out.push({ start: BigInt(`0x${from}`), end: BigInt(`0x${to}`), perms, path });
  }
  return out;
}

export interface MemoryScan {
  /** Bytes read. */
  bytes: number;
  /** Per needle group: where its needles were found (`path@address`), at most a few per group. */
  hits: Record<string, string[]>;
}

/**
 * Searches every readable private mapping of `pid` for each needle. Needles are grouped
 * by what they are ("data key", "photo", ...): the result says which groups were found
 * where. A needle shorter than 16 bytes or of one repeated byte is refused: it could
 * match by chance.
 */
export function scanProcessMemory(pid: number, groups: Record<string, readonly Uint8Array[]>): MemoryScan {
  for (const [name, needles] of Object.entries(groups)) {
    for (const n of needles) {
      if (n.length < 16 || n.every((b) => b === n[0])) throw new RangeError(`a needle of ${name} is too short or uniform to search for`);
    }
  }
  const longest = Math.max(...Object.values(groups).flatMap((ns) => ns.map((n) => n.length)));
  const hits: Record<string, string[]> = Object.fromEntries(Object.keys(groups).map((k) => [k, []]));
  const fd = openSync(`/proc/${pid}/mem`, "r");
  let bytes = 0;
  try {
    for (const map of readableMappings(pid)) {
      for (let at = map.start; at < map.end; at += BigInt(SLICE)) {
        // Slices overlap by the longest needle, so a needle across a slice border is found.
        const end = at + BigInt(SLICE + longest) < map.end ? at + BigInt(SLICE + longest) : map.end;
        const buf = Buffer.allocUnsafe(Number(end - at));
        let got: number;
        try {
          got = readSync(fd, buf, 0, buf.length, at);
        } catch {
          continue; // a mapping that went away or cannot be read (guard pages)
        }
        bytes += got;
        const view = buf.subarray(0, got);
        for (const [name, needles] of Object.entries(groups)) {
          for (const n of needles) {
            if (hits[name]!.length >= 4) break;
            const i = view.indexOf(n);
            if (i >= 0) hits[name]!.push(`${map.path || "anon"}[${map.start.toString(16)}+${Number(map.end - map.start) >> 10}K]@0x${(at + BigInt(i)).toString(16)}`);
          }
        }
        buf.fill(0);
      }
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, hits };
}

/** Up to `count` windows of `size` bytes spread evenly over `bytes`, skipping windows of fewer than `minDistinct` byte values (flat image areas, padding). */
export function spreadWindows(bytes: Uint8Array, size: number, count: number, minDistinct = Math.min(size / 2, 12)): Buffer[] {
  const out: Buffer[] = [];
  if (bytes.length < size) return out;
  const step = Math.max(1, Math.floor((bytes.length - size) / count));
  for (let at = 0; at + size <= bytes.length && out.length < count; at += step) {
    const w = bytes.subarray(at, at + size);
    if (new Set(w).size >= minDistinct) out.push(Buffer.from(w));
  }
  return out;
}
