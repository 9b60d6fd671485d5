/**
 * What every part of the site store works with: the Kysely handle (the database or the
 * current transaction), the clock, the sealing of secrets, password hashing and settings.
 */
import type { Kysely } from "kysely";
import type { PasswordHashing } from "../../crypto/password-hashing.js";
import type { Sodium } from "../../crypto/sodium.js";
import type { Logger } from "../../log/logger.js";
import type { Clock } from "../../time/clock.js";
import type { SiteSchema } from "./schema.js";
import type { SecretSeal } from "./secret-seal.js";
import type { SiteEngine } from "./site-store.js";

export interface PasswordHashLimits {
  opsLimit: number;
  memLimit: number;
}

export interface StoreContext {
  readonly db: Kysely<SiteSchema>;
  readonly engine: SiteEngine;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sodium: Sodium;
  readonly seal: SecretSeal;
  readonly passwords: PasswordHashing;
  readonly passwordLimits: PasswordHashLimits;
  readonly deletionDeadlineMs: number;
  /** Runs `fn` in a transaction, or directly when this context is one already. */
  tx<T>(fn: (ctx: StoreContext) => Promise<T>): Promise<T>;
}

/** `at` if given, else the clock. */
export function nowOr(ctx: StoreContext, at: number | undefined): number {
  return at ?? ctx.clock.now();
}
