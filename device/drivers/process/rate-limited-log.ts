/**
 * A token bucket in front of a logger, for what a driver does not control: a tool's
 * stderr, a flood of rejected Wiegand frames from a noisy cable. At most `burst` lines,
 * then one line per `perMs`; what is held back is counted and reported in the next line
 * that passes ("suppressed": n), so the log stays bounded and still says how much it hid.
 */
import type { LogFields, LogLevel, Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";

export interface RateLimit {
  burst: number;
  perMs: number;
}

export class RateLimitedLog {
  private tokens: number;
  private last: number;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limit: RateLimit = { burst: 10, perMs: 6_000 },
  ) {
    this.tokens = limit.burst;
    this.last = clock.now();
  }

  /** Logs the line if the bucket allows; returns whether it did. */
  log(level: LogLevel, message: string, fields: LogFields = {}): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + Math.max(0, now - this.last) / this.limit.perMs);
    this.last = now;
    if (this.tokens < 1) {
      this.suppressed++;
      return false;
    }
    this.tokens -= 1;
    const extra = this.suppressed > 0 ? { suppressed: this.suppressed } : {};
    this.suppressed = 0;
    this.logger[level](message, { ...fields, ...extra });
    return true;
  }
}
