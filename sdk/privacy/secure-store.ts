/**
 * One call that opens the device's secure store: keys, database, audit log, consent
 * registry, template vault and deletion service, wired together (the device runtime's
 * entry point into L1, L3, L5-L10).
 *
 * Start-up refuses, with a clear error and without writing anything:
 * - a key file with permissions wider than 0600 (`key_permissions`);
 * - an existing database whose key file is missing (`key_missing`): a new key would
 *   make every template unreadable, so none is created;
 * - a key file that did not write this database (`key_mismatch`);
 * - a corrupt database (`store_corrupt`).
 */
import { recordEvent } from "../store/record-event.js";
import { chmodSync, closeSync, existsSync, openSync, statSync } from "node:fs";
import { auditMigrations } from "../audit/audit-migrations.js";
import { AuditLog } from "../audit/audit-log.js";
import { consentMigrations } from "../consent/consent-migrations.js";
import { type ConsentPolicy, resolvePolicy } from "../consent/consent-policy.js";
import { ConsentRegistry } from "../consent/consent-registry.js";
import { bindDeviceKeys, checkDeviceKeys, deviceKeysMigrations } from "./device-key-binding.js";
import { type DevicePublicKeys, type DeviceSigner, KeyHierarchy } from "../crypto/key-hierarchy.js";
import type { KeyProvider } from "../crypto/key-provider.js";
import { deletionMigrations } from "../deletion/deletion-migrations.js";
import { DeletionService } from "../deletion/deletion-service.js";
import { ExpiryScheduler, type SweepStep } from "../deletion/expiry-scheduler.js";
import type { ClearTimer, SetTimer } from "../time/timers.js";
import { KeyError, StoreError } from "../errors.js";
import type { EventRecorder } from "../events/event.js";
import type { Logger } from "../log/logger.js";
import type { TemplateSink } from "../matcher/template-sink.js";
import type { Clock } from "../time/clock.js";
import type { DeletionReceipt } from "../protocol/index.js";
import { vaultMigrations } from "../vault/vault-migrations.js";
import { TemplateVault } from "../vault/template-vault.js";
import { WalDurability } from "../store/wal-durability.js";
import { type Db, type MigrationSet, checkpointTruncate, openDatabase } from "../store/database.js";
import { recordPolicy, storeMetaMigrations } from "./store-meta.js";
import { type SubjectStatus, listSubjectIds, subjectStatus } from "./subject-status.js";

/** Migration sets of the secure store, in the order they run. */
export const secureStoreMigrations: readonly MigrationSet[] = [deviceKeysMigrations, storeMetaMigrations, auditMigrations, consentMigrations, vaultMigrations, deletionMigrations];

export interface SecureStoreConfig extends ConsentPolicy {
  /** Sign an audit checkpoint every N entries (default 100). */
  auditCheckpointEvery?: number;
}

export interface OpenSecureStoreOptions {
  dbPath: string;
  keyProvider: KeyProvider;
  clock: Clock;
  logger: Logger;
  /** The in-memory gallery; receives enrolled templates and loses deleted subjects. */
  sink: TemplateSink;
  config: SecureStoreConfig;
  /** Called inside each change's transaction (an MQTT outbox plugs in here). */
  events?: EventRecorder;
  /** Other modules' migrations (outbox, access...), run in the same open after ours. */
  migrations?: readonly MigrationSet[];
  /**
   * "full" (default): every commit is fsynced before it returns. "deferred": commits return
   * without a sync and `durable()` syncs them off the event loop (store/wal-durability.ts);
   * for a caller that announces nothing before `durable()` resolves (the gate runtime).
   */
  commitSync?: "full" | "deferred";
}

/** Where access rights are kept (sdk/access): whose ended, and when the next one ends. */
export interface RightsSchedule {
  /** Everyone whose access rights ended by `at`. */
  endedBy(at: number): string[];
  /** Those whose rights ended in (`from`, `to`]; without it every sweep asks `endedBy`. */
  endedBetween?(from: number, to: number): string[];
  nextEndAfter(at: number): number | undefined;
}

/** Subjects per page of the catch-up sweep's walk over everyone holding face data. */
const SWEEP_PAGE = 512;

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

export interface SecureStore {
  db: Db;
  keys: KeyHierarchy;
  publicKeys: DevicePublicKeys;
  signer: DeviceSigner;

  audit: AuditLog;
  consents: ConsentRegistry;
  vault: TemplateVault;
  deletion: DeletionService;
  subjectStatus(subjectId: string): SubjectStatus;
  listSubjects(): SubjectStatus[];
  /** Starts the on-device expiry sweep (sweeps at once, then at each expiry). */
  startExpiryScheduler(options: { setTimer: SetTimer; clearTimer?: ClearTimer; maxIntervalMs?: number; stepsPerTurn?: number; maxTurnMs?: number; rights?: RightsSchedule; massExpiry?: MassExpiryGuard }): ExpiryScheduler;
  /**
   * Resolves once every commit made before the call is on the disk (at once under
   * "full" commits, where each commit was synced before it returned).
   */
  durable(): Promise<void>;
  close(): void;
}

/**
 * A large forward clock jump must not delete everyone's templates as "consent expired"
 * (irreversible): a sweep that finds more than `bound` subjects due at once deletes none
 * of them until the time is confirmed by a trusted source: `confirmedUpTo()` is the
 * latest time one vouched for (the issue time of an authenticated operator command, whose
 * signature the device checked). Until then the sweep records `alarm.expiry_held` (once
 * per hold) and looks again at the next sweep.
 */
export interface MassExpiryGuard {
  /** Most subjects one sweep may delete without confirmation. Default 20. */
  bound?: number;
  /** The latest time a trusted source vouched for, if any. */
  confirmedUpTo: () => number | undefined;
  /** How far behind the sweep's time a confirmation may be. Default 10 min. */
  slackMs?: number;
}

export const DEFAULT_MASS_EXPIRY_BOUND = 20;

export async function openSecureStore(options: OpenSecureStoreOptions): Promise<SecureStore> {
  const { dbPath, keyProvider, clock, logger, config } = options;
  const policy = resolvePolicy(config);
  const dbExists = dbPath !== ":memory:" && existsSync(dbPath) && statSync(dbPath).size > 0;
  if (dbExists && !keyProvider.exists()) {
    throw new KeyError(
      "key_missing",
      `database ${dbPath} exists but ${keyProvider.description} is missing; restore the key file (a new key would make every template unreadable). Nothing was created or changed.`,
      { path: dbPath },
    );
  }
  const keys = await KeyHierarchy.fromProvider({ provider: keyProvider, create: !dbExists });
  const record = readStoreRecord(keyProvider);
  if (!dbExists && record) {
    keys.close();
    throw new StoreError(
      "store_missing",
      `database ${dbPath} is missing, but ${keyProvider.description} belongs to a device whose database began ${new Date(record.createdAt).toISOString()}: restore the database from a backup. Only to start this device afresh (a new, empty database and audit chain; the old one's evidence is lost), move the key's record ${keyProvider.description}.store aside.`,
      { path: dbPath },
    );
  }
  let db: Db | undefined;
  try {
    if (dbExists) {
      // Read-only preflight: a corrupt file or a foreign key is refused before any migration writes.
      const probe = openDatabase({ path: dbPath, migrations: [], readonly: true, mustExist: true });
      try {
        checkDeviceKeys(probe, keys);
      } finally {
        probe.close();
      }
    }
    // The preflight ran quick_check on this file: not again (it reads every page; start-up, SPEC section 5).
    if (dbPath !== ":memory:") privateDatabaseFile(dbPath, logger);
    const deferred = options.commitSync === "deferred" && dbPath !== ":memory:";
    db = openDatabase({ path: dbPath, migrations: [...secureStoreMigrations, ...(options.migrations ?? [])], checked: dbExists, commitSync: deferred ? "deferred" : "full" });
    const durability = deferred ? new WalDurability(dbPath) : undefined;
    const audit = new AuditLog({ db, signer: keys.signer, clock, checkpointEvery: config.auditCheckpointEvery });
    const openDb = db;
    openDb.transaction(() => {
      if (bindDeviceKeys({ db: openDb, keys, at: clock.now() })) {
        audit.append({ type: "key.created", actor: "device", details: { keyId: keys.publicKeys.keyId, provider: keyProvider.description } });
      }
      recordPolicy({ db: openDb, audit, policy });
    })();
    checkStoreRecord(openDb, keyProvider, record, dbPath, () => Buffer.from(keys.crypto.randombytes_buf(16)).toString("hex"), clock.now());
    const log = logger.child("store");
    const consents = new ConsentRegistry({ db, audit, clock, policy, events: options.events });
    const vault = new TemplateVault({ db, keys, consents, audit, sink: options.sink, clock, logger: logger.child("vault"), events: options.events });
    const deletion = new DeletionService({ db, vault, consents, audit, signer: keys.signer, clock, logger: logger.child("deletion"), events: options.events });
    const schedulers: ExpiryScheduler[] = [];
    log.info("secure store open", { keyId: keys.publicKeys.keyId });
    return {
      db, keys, publicKeys: keys.publicKeys, signer: keys.signer, audit, consents, vault, deletion,
      subjectStatus: (subjectId) => subjectStatus({ vault, consents, subjectId, at: clock.now() }),
      listSubjects: () => listSubjectIds(openDb).map((subjectId) => subjectStatus({ vault, consents, subjectId, at: clock.now() })),
      startExpiryScheduler: (timers) => {
        const { rights, massExpiry, ...timing } = timers;
        let holding = false;
        /** Whether `due` deletions at `now` may go ahead; records the hold once when not. */
        const mayDelete = (due: number, now: number): boolean => {
          if (!massExpiry || due <= (massExpiry.bound ?? DEFAULT_MASS_EXPIRY_BOUND)) return true;
          const confirmed = massExpiry.confirmedUpTo();
          if (confirmed !== undefined && confirmed >= now - (massExpiry.slackMs ?? 10 * 60_000)) {
            holding = false;
            return true;
          }
          if (!holding) {
            holding = true;
            const data = { due, bound: massExpiry.bound ?? DEFAULT_MASS_EXPIRY_BOUND, at: now, confirmedUpTo: confirmed ?? null };
            openDb.transaction(() => {
              audit.append({ type: "expiry.held", actor: "device", details: data });
              recordEvent(options.events, clock, { type: "alarm.expiry_held", category: "alarm", data });
            })();
            log.warn("consent expiry held: more subjects due at once than the bound; waiting for the time to be confirmed (any signed operator command)", { due });
          }
          return false;
        };
        const scheduler = new ExpiryScheduler({
          clock,
          ...timing,
          sweep: function* (now, since): Generator<SweepStep> {
            // Each subject is judged at the time it is looked at, not when the sweep began: the
            // sweep spans turns, and a consent given in between must count.
            const step = (r: DeletionReceipt | "failed" | undefined): SweepStep => (r === undefined ? "checked" : r === "failed" ? "failed" : "deleted");
            const expiring = since !== undefined ? consents.expiringBetween(since, now) : undefined;
            if (massExpiry) {
              // Count first what this sweep would delete for expired consent, a step per
              // subject looked at (in bounded turns, like the sweep itself).
              let due = 0;
              for (const s of expiring ?? allSubjectsWithData(vault)) {
                if (vault.hasData(s) && !consents.hasValidConsent(s, now)) due++;
                yield "checked";
              }
              if (!mayDelete(due, now)) {
                yield "held";
                return;
              }
            }
            if (rights) {
              const ended = since !== undefined && rights.endedBetween ? rights.endedBetween(since, now) : rights.endedBy(now);
              for (const s of ended) yield step(deletion.endRightsIfData(s));
            }
            if (expiring) {
              for (const s of expiring) yield step(deletion.expireIfDue(s, clock.now()));
              return;
            }
            for (let page = vault.subjectsWithDataAfter("", SWEEP_PAGE); page.length > 0; page = vault.subjectsWithDataAfter(page.at(-1)!, SWEEP_PAGE)) {
              for (const s of page) yield step(deletion.expireIfDue(s, clock.now()));
            }
          },
          nextDue: (now) => (holding ? undefined : earliest(consents.nextExpiryAfter(now), rights?.nextEndAfter(now))),
          watchNewExpiries: (wake) => consents.onConsentGiven(wake),
          logger: logger.child("expiry"),
        });
        schedulers.push(scheduler);
        scheduler.start();
        return scheduler;
      },
      durable: () => durability?.durable() ?? Promise.resolve(),
      close: () => {
        schedulers.forEach((s) => s.stop());
        if (openDb.open) {
          try {
            checkpointTruncate(openDb);
          } finally {
            openDb.close();
          }
        }
        keys.close();
      },
    };
  } catch (err) {
    if (db?.open) db.close();
    keys.close();
    throw err;
  }
}

function* allSubjectsWithData(vault: TemplateVault): Generator<string> {
  for (let page = vault.subjectsWithDataAfter("", SWEEP_PAGE); page.length > 0; page = vault.subjectsWithDataAfter(page.at(-1)!, SWEEP_PAGE)) yield* page;
}

/**
 * The database holds encrypted templates, hashed credentials and the audit log: its file
 * is the device user's alone (0600) whatever the directory's mode or the umask, created so
 * before SQLite opens it (SQLite gives the WAL and shared-memory files the database's
 * mode); an existing file readable by others is made private, and said so.
 */
function privateDatabaseFile(path: string, logger: Logger): void {
  try {
    const fd = openSync(path, "wx", 0o600);
    closeSync(fd);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new StoreError("store_open_failed", `cannot create database ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && (st.mode & 0o077) !== 0) {
      chmodSync(file, 0o600);
      logger.warn("database file was readable by others; made private to the device user", { path: file, mode: (st.mode & 0o777).toString(8) });
    }
  }
}

/** What the key's record says of its database: a random id given to it when it was made. */
interface StoreRecord {
  format: "facegate-store/1";
  databaseId: string;
  createdAt: number;
}

function readStoreRecord(provider: KeyProvider): StoreRecord | undefined {
  const text = provider.readRecord?.();
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<StoreRecord>;
    if (r.format === "facegate-store/1" && typeof r.databaseId === "string" && typeof r.createdAt === "number") return r as StoreRecord;
  } catch {
    // fall through
  }
  throw new StoreError("store_record_invalid", `the record beside ${provider.description} is not a facegate store record; it was left untouched`, {});
}

/**
 * The database must be the one the key's record names (a random id the database was given
 * when made, kept in both): a database swapped for another, or made anew, is refused. A
 * database without an id or record yet (a new one, or one from before records) gets both.
 */
function checkStoreRecord(db: Db, provider: KeyProvider, record: StoreRecord | undefined, dbPath: string, newId: () => string, now: number): void {
  const read = () => db.prepare<[], { value: string }>("SELECT value FROM store_meta WHERE name = 'database_id'").get()?.value;
  let id = read();
  if (id === undefined) {
    if (record) {
      db.close();
      throw new StoreError("store_replaced", `database ${dbPath} has no id, but ${provider.description} belongs to a database made ${new Date(record.createdAt).toISOString()}: restore the device's own database; nothing was changed`, { path: dbPath });
    }
    id = newId();
    db.prepare("INSERT INTO store_meta (name, value) VALUES ('database_id', ?)").run(id);
  }
  if (!record) {
    provider.writeRecord?.(`${JSON.stringify({ format: "facegate-store/1", databaseId: id, createdAt: now } satisfies StoreRecord)}\n`);
    return;
  }
  if (record.databaseId !== id) {
    db.close();
    throw new StoreError(
      "store_replaced",
      `database ${dbPath} is not the one ${provider.description} belongs to (the device's was made ${new Date(record.createdAt).toISOString()}): restore the device's own database; nothing was changed`,
      { path: dbPath },
    );
  }
}
