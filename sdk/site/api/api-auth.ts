/**
 * Sessions and roles of the site's HTTP API.
 *
 * - Login by name and password; the token (32 random bytes, from the passed-in port) goes
 *   in an HttpOnly, SameSite=Strict cookie and in the JSON; the store keeps only its hash.
 * - Failed logins are counted per name over a window; past the limit that name is refused
 *   (429 `login_rate_limited`, with Retry-After) until the window has passed, whatever the
 *   password, so guessing one operator's password is slow.
 * - Every other route needs an unexpired session (cookie or `Authorization: Bearer`):
 *   no or unknown token 401 `unauthenticated`, an expired one 401 `session_expired`.
 * - Roles, server-side (L12): an auditor reads and exports only; an operator acts on
 *   residents, consents and deletions; an admin also adds gates and operators.
 */
import type { Clock } from "../../time/clock.js";
import type { OperatorRole, OperatorRow, SiteStore } from "../store/site-store.js";
import { ApiError } from "./api-error.js";
import { operatorByName } from "./operator-accounts.js";

export const SESSION_COOKIE = "facegate_session";

/** Who may do what: the least role each kind of route needs. */
export type Need = "read" | "act" | "admin";
const ALLOWED: Readonly<Record<Need, readonly OperatorRole[]>> = { read: ["admin", "operator", "auditor"], act: ["admin", "operator"], admin: ["admin"] };

export function mayDo(role: OperatorRole, need: Need): boolean {
  return ALLOWED[need].includes(role);
}

export interface LoginLimits {
  /** Failed attempts allowed per name within `windowMs`. Default 5. */
  maxFailures: number;
  /** Default 15 minutes. */
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailures: 5, windowMs: 15 * 60_000 };

export interface Authenticated {
  operator: OperatorRow;
  token: string;
  expiresAt: number;
}

export class Sessions {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly o: {
      store: SiteStore;
      clock: Clock;
      newToken: () => string;
      sessionTtlMs: number;
      limits: LoginLimits;
    },
  ) {}

  async login(name: string, password: string): Promise<Authenticated> {
    const now = this.o.clock.now();
    const recent = (this.failures.get(name) ?? []).filter((t) => now - t < this.o.limits.windowMs);
    if (recent.length >= this.o.limits.maxFailures) {
      const retryAfterMs = this.o.limits.windowMs - (now - recent[0]!);
      throw new ApiError("login_rate_limited", `too many failed logins for this name; try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterS: Math.ceil(retryAfterMs / 1000) });
    }
    const candidate = await operatorByName(this.o.store, name);
    const operator = candidate ? await this.o.store.checkOperatorPassword(candidate.id, password) : null;
    if (!operator) {
      recent.push(now);
      this.failures.set(name, recent);
      if (this.failures.size > 10_000) this.prune(now);
      throw new ApiError("login_failed", "unknown name or wrong password");
    }
    this.failures.delete(name);
    const token = this.o.newToken();
    const expiresAt = now + this.o.sessionTtlMs;
    await this.o.store.createSession({ token, operatorId: operator.id, expiresAt, createdAt: now });
    return { operator, token, expiresAt };
  }

  /** Forgets names whose failures are all older than the window (the map stays bounded under a spray of names). */
  private prune(now: number): void {
    for (const [name, times] of this.failures) if (times.every((t) => now - t >= this.o.limits.windowMs)) this.failures.delete(name);
  }

  async logout(token: string): Promise<void> {
    await this.o.store.deleteSession(token);
  }

  /** The session's operator; throws `unauthenticated` or `session_expired`. */
  async check(token: string | undefined): Promise<Authenticated> {
    if (!token) throw new ApiError("unauthenticated", "log in first (POST /api/session)");
    const now = this.o.clock.now();
    const session = await this.o.store.findSession(token, now);
    if (!session) {
      // The same lookup as of the epoch tells an expired session from one that never was.
      if (await this.o.store.findSession(token, 0)) throw new ApiError("session_expired", "the session has expired; log in again");
      throw new ApiError("unauthenticated", "no such session; log in (POST /api/session)");
    }
    const operator = await this.o.store.getOperator(session.operatorId);
    if (!operator || operator.disabledAt !== null) throw new ApiError("unauthenticated", "the operator of this session is disabled");
    return { operator, token, expiresAt: session.expiresAt };
  }
}

/** The session token of a request: the cookie, else a Bearer header. */
export function tokenOf(headers: { cookie?: string | undefined; authorization?: string | undefined }): string | undefined {
  const auth = headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, "").trim() || undefined;
  for (const part of (headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join("=")) || undefined;
  }
  return undefined;
}

export function sessionCookie(token: string, expiresAt: number, now: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? "; Secure" : ""}`;
}
