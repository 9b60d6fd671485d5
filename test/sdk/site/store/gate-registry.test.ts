import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SiteStoreError } from "../../../../sdk/site/store/site-store-error.js";
import type { SiteStore } from "../../../../sdk/site/store/site-store.js";
import { freshSiteDb, gateInput, SITE_ENGINES, type SiteDbFixture } from "../../../support/site-db.js";

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SiteStoreError);
  return (err as SiteStoreError).code;
}

describe.each(SITE_ENGINES)("the gate registry on $engine", ({ engine, available }) => {
  describe.skipIf(!available)(`${engine}`, () => {
    let f: SiteDbFixture;
    let store: SiteStore;
    beforeEach(async () => {
      f = await freshSiteDb(engine);
      store = await f.open();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it("pins a gate's keys when it is added; adding it again with the same keys changes nothing", async () => {
      const input = await gateInput("main-gate", { groups: ["Building 3"] });
      const added = await store.addGate(input);
      expect(added).toMatchObject({ gateId: "main-gate", siteId: "estate-1", signPublicKey: input.signPublicKey, boxPublicKey: input.boxPublicKey, groups: ["Building 3"] });
      expect(added.status).toEqual({ online: false, lastSeenAt: null, softwareVersion: null, templateCount: null, pendingCount: null, updatedAt: null });
      f.clock.advance(60_000);
      const again = await store.addGate({ ...input, name: "renamed" });
      expect(again.addedAt).toBe(added.addedAt);
      expect(again.name).toBe(added.name);
      // The same key written URL-safe is the same key.
      const urlSafe = input.signPublicKey.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      await expect(store.addGate({ ...input, signPublicKey: urlSafe })).resolves.toMatchObject({ signPublicKey: input.signPublicKey });
      expect((await store.listGates()).length).toBe(1);
    });

    it("refuses to re-add a gate with another signing key or another box key, naming which", async () => {
      const input = await gateInput("main-gate");
      await store.addGate(input);
      const other = await gateInput("main-gate");
      const sign = await store.addGate({ ...input, signPublicKey: other.signPublicKey }).catch((e: SiteStoreError) => e);
      expect(sign).toBeInstanceOf(SiteStoreError);
      expect((sign as SiteStoreError).code).toBe("site_gate_key_mismatch");
      expect((sign as Error).message).toMatch(/main-gate is already pinned to another signing key/);
      expect((sign as Error).message).not.toContain(other.signPublicKey);
      expect(await codeOf(store.addGate({ ...input, boxPublicKey: other.boxPublicKey }))).toBe("site_gate_key_mismatch");
      expect((await store.requireGate("main-gate")).signPublicKey).toBe(input.signPublicKey);
      expect((await store.requireGate("main-gate")).boxPublicKey).toBe(input.boxPublicKey);
    });

    it("refuses keys that are not 32-byte base64, and bad ids, before writing anything", async () => {
      const input = await gateInput("g1");
      expect(await codeOf(store.addGate({ ...input, signPublicKey: "not a key" }))).toBe("site_input_invalid");
      expect(await codeOf(store.addGate({ ...input, boxPublicKey: Buffer.alloc(31, 1).toString("base64") }))).toBe("site_input_invalid");
      expect(await codeOf(store.addGate({ ...input, gateId: "../etc" }))).toBe("site_input_invalid");
      expect(await codeOf(store.addGate({ ...input, gateId: "" }))).toBe("site_input_invalid");
      expect(await codeOf(store.addGate({ ...input, name: "line\nbreak" }))).toBe("site_input_invalid");
      expect(await store.listGates()).toEqual([]);
    });

    it("keeps gate groups and resolves a scope to gate ids", async () => {
      await store.addGate(await gateInput("b3-north", { groups: ["Building 3"] }));
      await store.addGate(await gateInput("b3-south", { groups: ["Building 3"] }));
      await store.addGate(await gateInput("car-park"));
      await store.addGroup("Car park");
      await store.addToGroup("Car park", ["car-park"]);
      expect(await store.listGroups()).toMatchObject([
        { name: "Building 3", gateIds: ["b3-north", "b3-south"] },
        { name: "Car park", gateIds: ["car-park"] },
      ]);
      expect(await store.resolveScope({ gates: ["car-park"], groups: ["Building 3"] })).toEqual(["b3-north", "b3-south", "car-park"]);
      expect(await store.resolveScope({ gates: [], groups: ["Car park"] })).toEqual(["car-park"]);
      expect(await store.resolveScope({ gates: ["ghost", "car-park"], groups: ["No such group"] })).toEqual(["car-park"]);
      await store.removeFromGroup("Building 3", ["b3-south"]);
      expect((await store.requireGate("b3-south")).groups).toEqual([]);
      expect(await codeOf(store.addToGroup("No such group", ["car-park"]))).toBe("site_unknown_group");
      expect(await codeOf(store.addToGroup("Car park", ["nowhere"]))).toBe("site_unknown_gate");
    });

    it("records the status from the gate's retained state", async () => {
      await store.addGate(await gateInput("g1"));
      f.clock.advance(1000);
      await store.updateGateStatus("g1", { online: true, lastSeenAt: f.clock.now(), softwareVersion: "0.1.0", templateCount: 12, pendingCount: 3 });
      expect((await store.requireGate("g1")).status).toEqual({ online: true, lastSeenAt: f.clock.now(), softwareVersion: "0.1.0", templateCount: 12, pendingCount: 3, updatedAt: f.clock.now() });
      f.clock.advance(1000);
      await store.updateGateStatus("g1", { online: false });
      const status = (await store.requireGate("g1")).status;
      expect(status.online).toBe(false);
      expect(status.templateCount).toBe(12);
      expect(status.updatedAt).toBe(f.clock.now());
      expect(await codeOf(store.updateGateStatus("g1", { templateCount: -1 }))).toBe("site_input_invalid");
    });

    it("names an unknown gate clearly", async () => {
      expect(await store.getGate("ghost")).toBeNull();
      const err = await store.requireGate("ghost").catch((e: SiteStoreError) => e);
      expect((err as SiteStoreError).code).toBe("site_unknown_gate");
      expect((err as Error).message).toBe("gate ghost is not registered at this site");
      expect(await codeOf(store.updateGateStatus("ghost", { online: true }))).toBe("site_unknown_gate");
      expect(await codeOf(store.getAuditCursor("ghost"))).toBe("site_unknown_gate");
      expect(await codeOf(store.insertEvent({ id: "e1", gateId: "ghost", type: "door.opened", at: 1, body: {} }))).toBe("site_unknown_gate");
      expect(await codeOf(store.queueWork({ subjectRef: "p1", gateId: "ghost", kind: "rights" }))).toBe("site_unknown_gate");
    });

    it("rolls back every write of a transaction that fails", async () => {
      const err = await store
        .transaction(async (t) => {
          await t.addGate(await gateInput("g1", { groups: ["Building 3"] }));
          await t.setMeta("site.id", "estate-1");
          await t.requireGate("ghost");
        })
        .catch((e: unknown) => e);
      expect((err as SiteStoreError).code).toBe("site_unknown_gate");
      expect(await store.listGates()).toEqual([]);
      expect(await store.listGroups()).toEqual([]);
      expect(await store.getMeta("site.id")).toBeNull();
      await store.transaction(async (t) => {
        await t.addGate(await gateInput("g1"));
        // Nested transactions join the outer one.
        await t.transaction(async (inner) => inner.setMeta("site.id", "estate-1"));
      });
      expect(await store.getMeta("site.id")).toBe("estate-1");
    });
  });
});
