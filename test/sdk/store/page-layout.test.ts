/**
 * 16 KiB pages (issue 18): a sealed template row (~2.1 KB) took a whole 4 KiB page of its
 * own. New databases get 16 KiB pages; a database made with the settings of earlier
 * releases (SQLite's default 4 KiB pages, WAL) is rewritten once at open, losing nothing.
 */
import Database from "better-sqlite3";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verifyAuditExport } from "../../../sdk/audit/audit-verify.js";
import { PAGE_SIZE } from "../../../sdk/store/database.js";
import { RecordingSink, type Fixture, consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";

const SUBJECTS = 80;

function enrollAll(f: Fixture): void {
  for (let s = 0; s < SUBJECTS; s++) {
    const subjectId = `r${String(s).padStart(3, "0")}`;
    f.store.consents.give(consentInput(f, subjectId));
    f.store.vault.enroll({ subjectId, gateId: "gate-a", embeddings: [embedding(2 * s), embedding(2 * s + 1)] });
  }
}

/** Bytes of pages the templates table (and its index) take. */
function templateBytes(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT SUM(pgsize) FROM dbstat WHERE name IN ('templates', 'templates_subject', 'sqlite_autoindex_templates_1')").pluck().get() as number;
  } finally {
    db.close();
  }
}

describe("database page layout", () => {
  it("gives a new database 16 KiB pages, where seven template rows share a page", async () => {
    const f = await openFixture();
    enrollAll(f);
    expect(f.store.db.pragma("page_size", { simple: true })).toBe(PAGE_SIZE);
    expect(f.store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    f.store.close();
    // 160 rows of ~2.1 KB: ~340 KB of data in well under 160 x 4 KiB.
    expect(templateBytes(f.dbPath)).toBeLessThan(160 * 4096 * 0.7);
  });

  it("rewrites a database made with 4 KiB pages at open: same templates, same audit log, a third fewer template bytes", async () => {
    const f = await openFixture();
    enrollAll(f);
    const before = new RecordingSink();
    f.store.vault.loadInto(before);
    f.store.close();

    // The file as earlier releases left it: SQLite's default page size, in WAL mode.
    const old = new Database(f.dbPath);
    old.pragma("journal_mode = DELETE");
    old.pragma("page_size = 4096");
    old.exec("VACUUM");
    old.pragma("journal_mode = WAL");
    expect(old.pragma("page_size", { simple: true })).toBe(4096);
    old.close();
    const oldBytes = templateBytes(f.dbPath);
    expect(oldBytes).toBeGreaterThanOrEqual(160 * 4096); // one page per template row: the waste

    const store = await f.reopen();
    expect(store.db.pragma("page_size", { simple: true })).toBe(PAGE_SIZE);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("quick_check", { simple: true })).toBe("ok");
    const after = new RecordingSink();
    const summary = store.vault.loadInto(after);
    expect(summary).toMatchObject({ templates: 2 * SUBJECTS, subjects: SUBJECTS });
    expect(summary.quarantined).toEqual([]);
    expect(after.count()).toBe(before.count());
    for (const [subject, templates] of before.templates) {
      for (const [id, v] of templates) expect(after.templates.get(subject)?.get(id)).toEqual(v);
    }
    expect((await verifyAuditExport(store.audit.export(), store.publicKeys.signingPublicKey)).ok).toBe(true);
    store.close();
    expect(templateBytes(f.dbPath)).toBeLessThan(oldBytes * 0.7);
    expect(existsSync(`${f.dbPath}.relayout`)).toBe(false); // the rewrite was renamed into place

    // Once is enough: the next open finds 16 KiB pages and leaves the file as it is.
    const again = await f.reopen();
    expect(again.vault.loadInto(new RecordingSink()).templates).toBe(2 * SUBJECTS);
    again.close();
  });

  it("when the rewrite cannot be made, says so and leaves the old file as it was", async () => {
    const f = await openFixture();
    enrollAll(f);
    f.store.close();
    const old = new Database(f.dbPath);
    old.pragma("journal_mode = DELETE");
    old.pragma("page_size = 4096");
    old.exec("VACUUM");
    old.pragma("journal_mode = WAL");
    old.close();
    // Something in the way of the rewrite's file (a folder of that name, not ours to remove).
    const blocker = `${f.dbPath}.relayout`;
    mkdirSync(blocker);
    writeFileSync(join(blocker, "keep"), "x");
    await expect(f.reopen()).rejects.toMatchObject({ code: "store_open_failed", message: expect.stringMatching(/cannot rewrite database .* with 16384-byte pages.*left as it was/) });
    const check = new Database(f.dbPath, { readonly: true });
    expect(check.pragma("page_size", { simple: true })).toBe(4096);
    expect(check.prepare("SELECT COUNT(*) FROM templates").pluck().get()).toBe(2 * SUBJECTS);
    check.close();
    rmSync(blocker, { recursive: true });
    const store = await f.reopen();
    expect(store.db.pragma("page_size", { simple: true })).toBe(PAGE_SIZE);
    expect(store.vault.loadInto(new RecordingSink()).templates).toBe(2 * SUBJECTS);
    store.close();
  });
});
