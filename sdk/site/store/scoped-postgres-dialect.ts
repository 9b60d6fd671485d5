/**
 * PostgreSQL for the site store, with an introspector that looks only at the store's own
 * schema. Kysely's Migrator asks the introspector whether its tables exist; the stock
 * PostgreSQL introspector reads every table of every schema and calls
 * pg_get_serial_sequence on each, which fails ("schema ... does not exist") when another
 * schema of the same database is dropped at that moment: another tenant, another test, a
 * maintenance job. The site store's migrations must not depend on what others do beside it.
 */
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from "kysely";

class ScopedPostgresIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>,
    private readonly schema: string | undefined,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ name: string }>`SELECT nspname AS name FROM pg_catalog.pg_namespace`.execute(this.db);
    return r.rows.map((row) => ({ name: row.name }));
  }

  async getTables(_options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const where = this.schema === undefined ? sql`table_schema = current_schema()` : sql`table_schema = ${this.schema}`;
    const r = await sql<{ schema: string; name: string; type: string }>`
      SELECT table_schema AS schema, table_name AS name, table_type AS type
      FROM information_schema.tables WHERE ${where}`.execute(this.db);
    // The Migrator needs names and schemas only; columns are not read.
    return r.rows.map((row) => ({ schema: row.schema, name: row.name, isView: row.type === "VIEW", columns: [] }));
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

export class ScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string | undefined,
  ) {
    super(config);
  }

  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new ScopedPostgresIntrospector(db, this.schema);
  }
}
