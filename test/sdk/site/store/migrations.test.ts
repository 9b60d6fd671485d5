import { statSync, writeFileSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../../sdk/log/logger.js";
import { SITE_MIGRATION_NAMES, SITE_MIGRATIONS } from "../../../../sdk/site/store/migrations.js";
import { openSiteStore, siteStoreTarget } from "../../../../sdk/site/store/open-site-store.js";
import { ScopedPostgresDialect } from "../../../../sdk/site/store/scoped-postgres-dialect.js";
import { SiteStoreError } from "../../../../sdk/site/store/site-store-error.js";
import { ManualClock } from "../../../../sdk/time/clock.js";
import { freshSiteDb, gateInput, PG_URL, pgQuery, SITE_ENGINES, type SiteDbFixture } from "../../../support/site-db.js";

const TABLES = [
  "site_audit_cursors",
  "site_consent_scope",
  "site_consents",
  "site_deletion_gates",
  "site_deletion_requests",
  "site_events",
  "site_gates",
  "site_group_members",
  "site_groups",
  "site_meta",
  "site_operators",
  "site_people",
  "site_person_rights",
  "site_sessions",
  "site_tombstones",
  "site_work",
];

async function tablesOf(f: SiteDbFixture): Promise<string[]> {
  if (f.engine === "sqlite") {
    const db = new Database(f.path!, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'site_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    } finally {
      db.close();
    }
  }
  const rows = await pgQuery<{ table_name: string }>(f.schema!, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'site_%' ORDER BY table_name", [f.schema]);
  return rows.map((r) => r.table_name);
}

async function migrationRows(f: SiteDbFixture): Promise<string[]> {
  if (f.engine === "sqlite") {
    const db = new Database(f.path!, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM site_migration ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    } finally {
      db.close();
    }
  }
  return (await pgQuery<{ name: string }>(f.schema!, "SELECT name FROM site_migration ORDER BY name")).map((r) => r.name);
}

async function plantFutureMigration(f: SiteDbFixture): Promise<void> {
  const at = new Date().toISOString();
  if (f.engine === "sqlite") {
    const db = new Database(f.path!);
    db.prepare("INSERT INTO site_migration (name, timestamp) VALUES (?, ?)").run("9999_from_the_future", at);
    db.close();
  } else {
    await pgQuery(f.schema!, "INSERT INTO site_migration (name, timestamp) VALUES ($1, $2)", ["9999_from_the_future", at]);
  }
}

describe.each(SITE_ENGINES)("site store migrations on $engine", ({ engine, available }) => {
  describe.skipIf(!available)(`${engine}`, () => {
    let f: SiteDbFixture;
    beforeEach(async () => {
      f = await freshSiteDb(engine);
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it("creates every table from an empty database and records each migration once", async () => {
      const store = await f.open();
      expect(store.engine).toBe(engine);
      expect(await tablesOf(f)).toEqual(expect.arrayContaining(TABLES));
      expect(await migrationRows(f)).toEqual([...SITE_MIGRATION_NAMES]);
    });

    it("re-opens an existing database without migrating again and keeps its data", async () => {
      const first = await f.open();
      await first.addGate(await gateInput("g1"));
      await first.setMeta("site.id", "estate-1");
      await first.close();
      const second = await f.open();
      expect((await second.listGates()).map((g) => g.gateId)).toEqual(["g1"]);
      expect(await second.getMeta("site.id")).toBe("estate-1");
      expect(await migrationRows(f)).toEqual([...SITE_MIGRATION_NAMES]);
      // Two instances at once (two service processes) open the same database too.
      const third = await f.open();
      expect((await third.listGates()).length).toBe(1);
    });

    it("refuses a database written by a newer schema version, and leaves it untouched", async () => {
      const first = await f.open();
      await first.addGate(await gateInput("g1"));
      await first.close();
      await plantFutureMigration(f);
      const before = f.engine === "sqlite" ? readFileSync(f.path!) : null;
      const err = await f.open().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SiteStoreError);
      expect((err as SiteStoreError).code).toBe("site_store_too_new");
      expect((err as Error).message).toMatch(/newer facegate.*9999_from_the_future.*upgrade/);
      if (before) expect(readFileSync(f.path!).equals(before)).toBe(true);
      expect(await migrationRows(f)).toEqual([...SITE_MIGRATION_NAMES, "9999_from_the_future"].sort());
    });

    it("upgrades a database made by the first schema, keeping its rows", async () => {
      // The database as the first release left it: only 0001_initial run, a gate and a work item in it.
      const raw =
        f.engine === "sqlite"
          ? new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(f.path!) }) })
          : new Kysely<any>({ dialect: new ScopedPostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${f.schema}` }) }, f.schema) });
      const firstRelease = new Migrator({
        db: raw,
        provider: { getMigrations: async () => ({ "0001_initial": SITE_MIGRATIONS["0001_initial"]! }) },
        migrationTableName: "site_migration",
        migrationLockTableName: "site_migration_lock",
        ...(f.schema ? { migrationTableSchema: f.schema } : {}),
      });
      expect((await firstRelease.migrateToLatest()).error).toBeUndefined();
      const key = Buffer.alloc(32, 7).toString("base64");
      await raw.insertInto("site_gates").values({ gate_id: "g1", site_id: "estate-1", name: "Main", sign_public_key: key, box_public_key: key, topic_prefix: "fg/g1", added_at: 1, online: 0 }).execute();
      await raw.insertInto("site_audit_cursors").values({ gate_id: "g1", last_sequence: 0, broken: 0 }).execute();
      await raw.insertInto("site_work").values({ subject_ref: "p1", gate_id: "g1", kind: "rights", state: "pending", priority: 3, attempts: 0, created_at: 5, updated_at: 5 }).execute();
      await raw.destroy();
      expect(await migrationRows(f)).toEqual(["0001_initial"]);

      const upgraded = await f.open();
      expect(await migrationRows(f)).toEqual([...SITE_MIGRATION_NAMES]);
      expect(await upgraded.getWork({ subjectRef: "p1", gateId: "g1", kind: "rights" })).toMatchObject({ state: "pending", createdAt: 5, claimedBy: null, claimedUntil: null });
      expect(await upgraded.claimWork("g1", { holder: "site-a", leaseMs: 1000 })).toMatchObject([{ subjectRef: "p1", claimedBy: "site-a" }]);
      expect((await upgraded.requireGate("g1")).signPublicKey).toBe(key);
    });

    it("reads times back as numbers, not strings", async () => {
      const store = await f.open();
      f.clock.set(Date.UTC(2030, 0, 1));
      const gate = await store.addGate(await gateInput("g1"));
      expect(gate.addedAt).toBe(Date.UTC(2030, 0, 1));
      expect(typeof (await store.requireGate("g1")).addedAt).toBe("number");
      await store.insertEvent({ id: "e1", gateId: "g1", type: "door.opened", at: 2 ** 50, body: {} });
      const [event] = await store.queryEvents({ gateId: "g1" });
      expect(event!.at).toBe(2 ** 50);
      expect(await store.countWork("g1", "pending")).toBe(0);
    });
  });
});

describe.skipIf(!PG_URL)("opening on a PostgreSQL shared with others", () => {
  it("migrates while other schemas of the same database are created and dropped", async () => {
    // Kysely's stock introspector reads every schema's tables and fails when one is dropped
    // meanwhile; the store's migrations look only at its own schema (scoped-postgres-dialect.ts).
    let churning = true;
    const churn = Promise.all(
      [0, 1, 2, 3].map(async (worker) => {
        for (let i = 0; churning; i++) {
          const name = `fg_churn_${process.pid}_${worker}_${i}`;
          await pgQuery("public", `CREATE SCHEMA ${name}; CREATE TABLE ${name}.t (id serial PRIMARY KEY, v text)`);
          await pgQuery("public", `DROP SCHEMA ${name} CASCADE`);
        }
      }),
    );
    try {
      for (let i = 0; i < 12; i++) {
        const f = await freshSiteDb("postgres");
        try {
          const store = await f.open();
          expect((await store.listGates()).length).toBe(0);
        } finally {
          await f.cleanup();
        }
      }
    } finally {
      churning = false;
      await churn;
    }
  }, 60_000);
});

describe("opening the site database: where and what", () => {
  it("creates a new SQLite file, and its WAL, readable by its owner only (0600)", async () => {
    const f = await freshSiteDb("sqlite");
    try {
      const store = await f.open();
      await store.addGate(await gateInput("g1"));
      expect(statSync(f.path!).mode & 0o777).toBe(0o600);
      // SQLite gives its WAL and shared-memory files the database file's permissions.
      for (const companion of [`${f.path}-wal`, `${f.path}-shm`]) expect(statSync(companion).mode & 0o777).toBe(0o600);
    } finally {
      await f.cleanup();
    }
  });

  it("takes a postgres:// URL as PostgreSQL and anything without a scheme as a SQLite path", () => {
    expect(siteStoreTarget({ url: "postgres://postgres@127.0.0.1:5432/test" }).engine).toBe("postgres");
    expect(siteStoreTarget({ url: "postgresql://u:secret@db.example/site" }).engine).toBe("postgres");
    expect(siteStoreTarget({ url: "/var/lib/facegate/site.db" }).engine).toBe("sqlite");
    expect(siteStoreTarget({ url: "site.db" }).engine).toBe("sqlite");
    expect(siteStoreTarget({ path: "postgres.db" }).engine).toBe("sqlite");
  });

  it.each([
    ["an unsupported scheme", { url: "mysql://root@localhost/site" }, /scheme mysql:\/\/ is not supported/],
    ["a postgres URL without a database", { url: "postgres://postgres@127.0.0.1:5432" }, /names no host or no database/],
    ["a postgres URL that does not parse", { url: "postgres://u:p@[::1/test" }, /not a valid postgres:\/\/ URL/],
    ["both a url and a path", { url: "postgres://h/db", path: "x.db" }, /either a postgres:\/\/ url or a SQLite path/],
    ["neither", {}, /either a postgres:\/\/ url or a SQLite path/],
    ["an empty path", { path: "  " }, /empty or invalid/],
  ])("refuses %s with site_store_url_invalid", async (_what, where, message) => {
    const err = await openSiteStore({ ...where, clock: new ManualClock(), logger: silentLogger, dataKey: new Uint8Array(32) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SiteStoreError);
    expect((err as SiteStoreError).code).toBe("site_store_url_invalid");
    expect((err as Error).message).toMatch(message);
  });

  it("never shows a password from the URL in its errors", async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const err = await openSiteStore({ url: "postgres://site:hunter2hunter2@127.0.0.1:9/site", clock: new ManualClock(), logger: silentLogger, dataKey: new Uint8Array(32) }).catch((e: unknown) => e);
    expect((err as SiteStoreError).code).toBe("site_store_open_failed");
    expect((err as Error).message).toContain("postgres://site:***@127.0.0.1:9/site");
    expect((err as Error).message).not.toContain("hunter2");
  });

  it("refuses a file that is not a SQLite database, and leaves it untouched", async () => {
    const f = await freshSiteDb("sqlite");
    try {
      const junk = Buffer.from("this is the estate office's spreadsheet, not a database ".repeat(200));
      writeFileSync(f.path!, junk);
      const err = await f.open().catch((e: unknown) => e);
      expect((err as SiteStoreError).code).toBe("site_store_open_failed");
      expect((err as Error).message).toMatch(/not a SQLite database.*left untouched/);
      expect(readFileSync(f.path!).equals(junk)).toBe(true);
    } finally {
      await f.cleanup();
    }
  });

  it("refuses a data key of the wrong size and an unknown SQLite sync mode", async () => {
    const f = await freshSiteDb("sqlite");
    try {
      const err = await f.open({ dataKey: new Uint8Array(16) }).catch((e: unknown) => e);
      expect((err as SiteStoreError).code).toBe("site_input_invalid");
      const sync = await f.open({ sqliteSync: "sometimes" as never }).catch((e: unknown) => e);
      expect((sync as SiteStoreError).code).toBe("site_input_invalid");
      // Both sync modes open the same file.
      const normal = await f.open({ sqliteSync: "normal" });
      await normal.addGate(await gateInput("g1"));
      await normal.close();
      expect((await (await f.open()).listGates()).length).toBe(1);
    } finally {
      await f.cleanup();
    }
  });
});

describe.skipIf(!PG_URL)("a PostgreSQL connection lost while idle", () => {
  it("is logged, does not end the process, and the next query reconnects", async () => {
    const f = await freshSiteDb("postgres");
    const name = `fg-site-test-${process.pid}-${Date.now()}`;
    try {
      const store = await f.open({ applicationName: name });
      await store.addGate(await gateInput("g1"));
      const killed = await pgQuery<{ ok: boolean }>("public", "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1", [name]);
      expect(killed.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(f.logs.records.some((r) => r.level === "warn" && r.message.includes("connection lost"))).toBe(true);
      expect((await store.listGates()).map((g) => g.gateId)).toEqual(["g1"]);
    } finally {
      await f.cleanup();
    }
  });
});
