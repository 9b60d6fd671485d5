import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../../sdk/crypto/hash.js";
import { loadSodium } from "../../../../sdk/crypto/sodium.js";
import { SiteStoreError } from "../../../../sdk/site/store/site-store-error.js";
import type { AddOperatorInput, SiteStore } from "../../../../sdk/site/store/site-store.js";
import { freshSiteDb, pgTextDump, SITE_ENGINES, type SiteDbFixture } from "../../../support/site-db.js";
import { dbFiles, findBytes } from "../../../support/db-files.js";

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SiteStoreError);
  return (err as SiteStoreError).code;
}

async function operator(id: string, role: AddOperatorInput["role"] = "operator"): Promise<AddOperatorInput> {
  const sodium = await loadSodium();
  const keys = sodium.crypto_sign_keypair();
  return { id, name: `Operator ${id}`, role, password: `pw-of-${id}-long-enough`, commandSecretKey: keys.privateKey, commandPublicKey: Buffer.from(keys.publicKey).toString("base64") };
}

const HOUR = 60 * 60 * 1000;

describe.each(SITE_ENGINES)("operators and sessions on $engine", ({ engine, available }) => {
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

    it("checks passwords against the Argon2id hash, and refuses a disabled operator", async () => {
      const anna = await operator("anna", "admin");
      await store.addOperator(anna);
      await store.addOperator(await operator("ben", "auditor"));
      expect(await store.checkOperatorPassword("anna", anna.password)).toMatchObject({ id: "anna", role: "admin", commandPublicKey: anna.commandPublicKey });
      expect(await store.checkOperatorPassword("anna", "pw-of-ben-long-enough")).toBeNull();
      expect(await store.checkOperatorPassword("nobody", anna.password)).toBeNull();
      expect((await store.listOperators()).map((o) => [o.id, o.role])).toEqual([
        ["anna", "admin"],
        ["ben", "auditor"],
      ]);
      await store.disableOperator("anna");
      expect(await store.checkOperatorPassword("anna", anna.password)).toBeNull();
      expect((await store.getOperator("anna"))!.disabledAt).toBe(f.clock.now());
    });

    it("refuses bad operators: duplicate id, unknown role, short password, a key pair that does not match", async () => {
      const anna = await operator("anna");
      await store.addOperator(anna);
      expect(await codeOf(store.addOperator(anna))).toBe("site_duplicate");
      expect(await codeOf(store.addOperator({ ...(await operator("x")), role: "root" as never }))).toBe("site_input_invalid");
      expect(await codeOf(store.addOperator({ ...(await operator("y")), password: "short" }))).toBe("site_input_invalid");
      const z = await operator("z");
      const mismatch = await store.addOperator({ ...z, commandPublicKey: anna.commandPublicKey }).catch((e: unknown) => e);
      expect((mismatch as SiteStoreError).code).toBe("site_input_invalid");
      expect((mismatch as Error).message).toBe("commandPublicKey: does not belong to commandSecretKey");
      expect(await codeOf(store.addOperator({ ...z, commandSecretKey: z.commandSecretKey.subarray(0, 32) }))).toBe("site_input_invalid");
      expect((await store.listOperators()).map((o) => o.id)).toEqual(["anna"]);
      expect(await codeOf(store.operatorCommandKey("nobody"))).toBe("site_unknown_operator");
    });

    it("finds a session by its token until it expires, storing only the token's hash", async () => {
      await store.addOperator(await operator("anna"));
      const token = "tok-3f9a1c2e7b8d4a6f9e0c1b2a3d4e5f60";
      await store.createSession({ token, operatorId: "anna", expiresAt: f.clock.now() + HOUR });
      expect(await store.findSession(token)).toEqual({ operatorId: "anna", createdAt: f.clock.now(), expiresAt: f.clock.now() + HOUR });
      expect(await store.findSession(`${token}x`)).toBeNull();
      expect(await store.findSession("short")).toBeNull();
      f.clock.advance(HOUR);
      expect(await store.findSession(token)).toBeNull();
      expect(await store.deleteExpiredSessions()).toBe(1);

      await store.createSession({ token, operatorId: "anna", expiresAt: f.clock.now() + HOUR });
      await store.close();
      if (f.engine === "sqlite") {
        expect(findBytes(dbFiles(f.path!), [Buffer.from(token)])).toEqual([]);
        expect(findBytes(dbFiles(f.path!), [Buffer.from(sha256Hex(token))]).length).toBeGreaterThan(0);
      } else {
        const dump = await pgTextDump(f.schema!);
        expect(dump).not.toContain(token);
        expect(dump).toContain(sha256Hex(token));
      }
    });

    it("ends an operator's sessions when the operator is disabled, and refuses sessions for them", async () => {
      await store.addOperator(await operator("anna"));
      const token = "tok-0123456789abcdef0123";
      await store.createSession({ token, operatorId: "anna", expiresAt: f.clock.now() + HOUR });
      await store.disableOperator("anna");
      expect(await store.findSession(token)).toBeNull();
      expect(await codeOf(store.createSession({ token: "tok-another-0123456789", operatorId: "anna", expiresAt: f.clock.now() + HOUR }))).toBe("site_input_invalid");
      expect(await codeOf(store.createSession({ token: "tok-another-0123456789", operatorId: "ghost", expiresAt: f.clock.now() + HOUR }))).toBe("site_unknown_operator");
      expect(await codeOf(store.disableOperator("ghost"))).toBe("site_unknown_operator");
      await store.addOperator(await operator("ben"));
      // Disabling removed the session row: the same token can start a session for someone else.
      await store.createSession({ token, operatorId: "ben", expiresAt: f.clock.now() + HOUR });
      expect(await store.findSession(token)).toMatchObject({ operatorId: "ben" });
      await store.deleteSession(token);
      expect(await store.findSession(token)).toBeNull();
    });
  });
});
