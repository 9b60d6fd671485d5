/**
 * The record of authenticated commands: idempotency by command id and replay refusal.
 * A row is kept at least until its command expires (after that, the command would be
 * refused as expired anyway), so an id can never be reused while it could be valid.
 * Because "expired" depends on the device clock, the store also keeps the latest time it
 * saw (`seenAt`, raised by every stored command and every prune): admission refuses to act
 * while the clock is behind it, so setting the clock back cannot revive a pruned command.
 */
import type { CommandResultMessage } from "../protocol/index.js";
import type { Db } from "../store/database.js";

export interface StoredCommand {
  id: string;
  contentHash: string;
  requestHash: string;
  keyId: string;
  type: string;
  state: "pending" | "done";
  result: CommandResultMessage | null;
}

interface Row {
  id: string;
  content_hash: string;
  request_hash: string;
  key_id: string;
  type: string;
  state: "pending" | "done";
  result: string | null;
}

export class CommandStore {
  constructor(private readonly db: Db) {}

  get(id: string): StoredCommand | undefined {
    const r = this.db.prepare<[string], Row>("SELECT id, content_hash, request_hash, key_id, type, state, result FROM commands WHERE id = ?").get(id);
    if (!r) return undefined;
    return {
      id: r.id,
      contentHash: r.content_hash,
      requestHash: r.request_hash,
      keyId: r.key_id,
      type: r.type,
      state: r.state,
      result: r.result === null ? null : (JSON.parse(r.result) as CommandResultMessage),
    };
  }

  insertPending(c: { id: string; contentHash: string; requestHash: string; keyId: string; type: string; receivedAt: number; expiresAt: number }): void {
    this.db
      .prepare("INSERT INTO commands (id, content_hash, request_hash, key_id, type, state, received_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)")
      .run(c.id, c.contentHash, c.requestHash, c.keyId, c.type, c.receivedAt, c.expiresAt);
    this.saw(c.receivedAt);
  }

  insertDone(c: { id: string; contentHash: string; requestHash: string; keyId: string; type: string; receivedAt: number; expiresAt: number; result: CommandResultMessage }): void {
    this.db
      .prepare("INSERT INTO commands (id, content_hash, request_hash, key_id, type, state, received_at, expires_at, result) VALUES (?, ?, ?, ?, ?, 'done', ?, ?, ?)")
      .run(c.id, c.contentHash, c.requestHash, c.keyId, c.type, c.receivedAt, c.expiresAt, JSON.stringify(c.result));
    this.saw(c.receivedAt);
  }

  complete(id: string, result: CommandResultMessage): void {
    this.db.prepare("UPDATE commands SET state = 'done', result = ? WHERE id = ?").run(JSON.stringify(result), id);
  }

  pending(): StoredCommand[] {
    return this.db
      .prepare<[], { id: string }>("SELECT id FROM commands WHERE state = 'pending' ORDER BY received_at")
      .all()
      .map((r) => this.get(r.id)!);
  }

  /** The latest device time at which commands were stored or pruned. */
  seenAt(): number {
    return this.db.prepare<[], { seen_at: number }>("SELECT seen_at FROM command_clock WHERE id = 1").get()?.seen_at ?? 0;
  }

  /** Raises `seenAt` to `at` (never lowers it). */
  saw(at: number): void {
    this.db.prepare("UPDATE command_clock SET seen_at = MAX(seen_at, ?) WHERE id = 1").run(at);
  }

  /** Forgets finished commands that expired before `before`; `now` is recorded as seen first. */
  prune(before: number, now: number): number {
    return this.db.transaction(() => {
      this.saw(now);
      return this.db.prepare("DELETE FROM commands WHERE state = 'done' AND expires_at < ?").run(before).changes;
    })();
  }
}
