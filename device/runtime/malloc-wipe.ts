/**
 * Freed memory wiped by the C allocator: glibc's `malloc.perturb` tunable fills every
 * block with 0xFF when it is freed (and with zeros when it is handed out). The native
 * libraries under the runtime (libvips decoding a photo or a frame, SQLite, Node's
 * buffers) free their working copies without clearing them; with the tunable, nothing
 * of a resident's photo or template outlives the buffer that held it. Without it, pieces
 * of the enrollment photo and its decoded pixels stayed in libvips' freed buffers
 * (test/device/runtime/memory-after-deletion.test.ts, which reads a gate's memory after
 * `subject.delete`).
 *
 * glibc reads its tunables once, when the process starts: they come from the
 * environment (device/install/facegate.service sets GLIBC_TUNABLES), not from code.
 * Other C libraries (musl) ignore the variable; there the gate runs without it.
 */

export const MALLOC_WIPE_TUNABLE = "glibc.malloc.perturb=255";

/** Whether the process environment carries the tunable (glibc honours it then). */
export function mallocWipeActive(env: Record<string, string | undefined>): boolean {
  return (env["GLIBC_TUNABLES"] ?? "").split(":").includes(MALLOC_WIPE_TUNABLE);
}

/** `env` with the tunable added to any GLIBC_TUNABLES it already has: for starting a gate process. */
export function withMallocWipe(env: Record<string, string | undefined>): Record<string, string | undefined> {
  if (mallocWipeActive(env)) return { ...env };
  const others = (env["GLIBC_TUNABLES"] ?? "").split(":").filter((t) => t !== "" && !t.startsWith("glibc.malloc.perturb="));
  return { ...env, GLIBC_TUNABLES: [...others, MALLOC_WIPE_TUNABLE].join(":") };
}

/** True when this process runs on glibc (where the tunable means something). */
export function onGlibc(report: { header?: { glibcVersionRuntime?: string } } = process.report.getReport() as { header?: { glibcVersionRuntime?: string } }): boolean {
  return typeof report.header?.glibcVersionRuntime === "string";
}
