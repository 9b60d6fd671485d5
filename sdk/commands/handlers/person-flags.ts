/**
 * Per-person facts the command handlers keep that no other module holds yet: whether a
 * person is a minor (under 14), from `person.upsert`'s `minor`. `consent.record` needs it
 * to demand a guardian's consent (L10); the gate's PrivacyDesk can use `isMinor` to send
 * minors to the property office instead of consenting at the keypad.
 *
 * Lives in the device database (MigrationSet `command_handlers`). `PersonFlags.open`
 * brings its table up to date itself (runMigrations is idempotent), so the store may be
 * opened with or without `deviceHandlerMigrations`. Holds opaque references only.
 */
import { type Db, type MigrationSet, runMigrations } from "../../store/database.js";

export const deviceHandlerMigrations: MigrationSet = {
  module: "command_handlers",
  steps: [
    `CREATE TABLE person_flags (
       person_ref TEXT PRIMARY KEY,
       minor INTEGER NOT NULL CHECK (minor IN (0, 1)),
       updated_at INTEGER NOT NULL
     );`,
  ],
};

export class PersonFlags {
  private constructor(private readonly db: Db) {}

  /** Creates or migrates the table if needed. */
  static open(db: Db): PersonFlags {
    runMigrations(db, [deviceHandlerMigrations]);
    return new PersonFlags(db);
  }

  isMinor(personRef: string): boolean {
    return this.db.prepare<[string], { minor: number }>("SELECT minor FROM person_flags WHERE person_ref = ?").get(personRef)?.minor === 1;
  }

  /** `undefined` keeps what is recorded (a new person defaults to adult). */
  setMinor(personRef: string, minor: boolean | undefined, at: number): boolean {
    if (minor !== undefined) {
      this.db
        .prepare("INSERT INTO person_flags (person_ref, minor, updated_at) VALUES (?, ?, ?) ON CONFLICT(person_ref) DO UPDATE SET minor = excluded.minor, updated_at = excluded.updated_at")
        .run(personRef, minor ? 1 : 0, at);
    }
    return this.isMinor(personRef);
  }

  forget(personRef: string): void {
    this.db.prepare("DELETE FROM person_flags WHERE person_ref = ?").run(personRef);
  }
}
