/**
 * PIN hashing on a worker thread: the same Argon2id strings as libsodium on the calling
 * thread (each verifies the other's), wrong PINs and unparsable hashes refused, and the
 * event loop keeps turning while a PIN at the device's limits is checked.
 */
import { describe, expect, it } from "vitest";
import { INTERACTIVE_PIN_HASHING, MIN_PIN_HASHING } from "../../../sdk/access/secrets.js";
import { loadPasswordHashing } from "../../../sdk/crypto/password-hashing.js";
import { inThreadPinHasher, workerPinHasher } from "../../../sdk/crypto/pin-hasher.js";
import { turnsDuring } from "../../support/event-loop-turns.js";
import { mainThreadNice, threadNices, threadNicesAvailable } from "../../support/thread-nice.js";

const { opsLimit, memLimit } = MIN_PIN_HASHING;


describe("PIN hasher", () => {
  it.skipIf(!threadNicesAvailable)("hashes on a thread that yields to the event loop (nice 5), leaving the event loop's own thread as it was", async () => {
    const mainBefore = mainThreadNice();
    expect(threadNices()).not.toContain(5); // no worker yet: the first test of this file
    await workerPinHasher().hash("482913", opsLimit, memLimit);
    expect(threadNices()).toContain(5);
    expect(mainThreadNice()).toBe(mainBefore);
  });

  it("makes hashes that libsodium on this thread verifies, and verifies the ones it makes", async () => {
    const worker = workerPinHasher();
    const local = inThreadPinHasher(await loadPasswordHashing());
    const fromWorker = await worker.hash("482913", opsLimit, memLimit);
    const fromHere = await local.hash("482913", opsLimit, memLimit);
    expect(fromWorker).toMatch(/^\$argon2id\$v=19\$m=8,t=1,p=1\$/);
    expect(fromWorker).not.toBe(fromHere); // a fresh salt each time
    expect(worker.place).toBe("worker");
    for (const h of [fromWorker, fromHere]) {
      expect(await worker.verify(h, "482913")).toBe(true);
      expect(await local.verify(h, "482913")).toBe(true);
      expect(await worker.verify(h, "482914")).toBe(false);
    }
    expect(await worker.verify("$argon2id$not-a-hash", "482913")).toBe(false);
  });

  it("answers concurrent requests each with its own result", async () => {
    const worker = workerPinHasher();
    const pins = ["1111", "2222", "3333", "4444"];
    const hashes = await Promise.all(pins.map((p) => worker.hash(p, opsLimit, memLimit)));
    const checks = await Promise.all(hashes.flatMap((h, i) => [worker.verify(h, pins[i]!), worker.verify(h, pins[(i + 1) % pins.length]!)]));
    expect(checks).toEqual([true, false, true, false, true, false, true, false]);
  });

  it("leaves the event loop free while it checks a PIN at the device's limits (on this thread it does not)", async () => {
    const { opsLimit: ops, memLimit: mem } = INTERACTIVE_PIN_HASHING;
    const worker = workerPinHasher();
    const local = inThreadPinHasher(await loadPasswordHashing());
    const hash = await worker.hash("739104", ops, mem);
    expect(await turnsDuring(() => local.verify(hash, "739104"))).toBe(0);
    expect(await turnsDuring(() => worker.verify(hash, "739104"))).toBeGreaterThan(0);
  });
});
