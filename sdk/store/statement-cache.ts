/**
 * Prepared statements made once per database and SQL text: code on the door's hot paths
 * (the expiry sweep, consent checks) prepares nothing on each call.
 */
import type Database from "better-sqlite3";
import type { Db } from "./database.js";

export type StatementCache = <P extends unknown[] | {} = unknown[], R = unknown>(sql: string) => Database.Statement<P, R>;

export function statementCache(db: Db): StatementCache {
  const cache = new Map<string, unknown>();
  return <P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R> => {
    let s = cache.get(sql) as Database.Statement<P, R> | undefined;
    if (!s) {
      s = db.prepare<P, R>(sql);
      cache.set(sql, s);
    }
    return s;
  };
}
