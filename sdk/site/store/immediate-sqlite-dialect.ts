/**
 * SQLite for the site store, with every transaction begun IMMEDIATE. Kysely begins them
 * DEFERRED: a transaction that reads first and writes later then fails at once with
 * "database is locked" when another connection (a second service instance, the CLI) wrote
 * in between, and busy_timeout cannot help, since waiting could deadlock. Taking the write
 * lock up front makes the second writer wait its turn (busy_timeout) instead.
 */
import { CompiledQuery, type DatabaseConnection, type Driver, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from "kysely";

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}
