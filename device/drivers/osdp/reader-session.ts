/**
 * One reader on the bus, seen from the control panel: its own state machine, run as a
 * loop that takes turns on the shared bus with the other readers' loops.
 *
 * Start sequence (again after every offline spell or Secure Channel loss): POLL with
 * sequence number 0 (the reader resets its sequence and any session), ID, CAP, then,
 * unless the mode is "clear", the handshake CHLNG/CCRYPT, SCRYPT/RMAC_I with the reader's
 * own key (install mode: SCBK-D, then KEYSET with a fresh random key and a new handshake
 * with it), then LSTAT. Online, it sends queued commands (LED, BUZ, TEXT) or POLL, and
 * turns replies into cards (osdp_RAW), keys (osdp_KEYPAD) and tamper/power reports.
 *
 * Security rules: while a Secure Channel is established, every reply must carry a MAC
 * that checks; a reply in the clear, a MAC failure or a malformed encrypted block ends
 * the session, disconnects the reader (`secure_channel_lost`) and nothing from that reply
 * is used. Outside "clear" mode, a reader that cannot establish the channel is never
 * used (`secure_channel_failed`). Cards and keys are delivered only while connected.
 */
import type { KeypadKey } from "../../../sdk/hal/keypad.js";
import { isKeypadKey } from "../../../sdk/hal/keypad.js";
import { Listeners } from "../../../sdk/hal/listeners.js";
import { cardNumberFromRaw } from "../../../sdk/osdp/card-data.js";
import { CMD, NAK, REPLY, nakName } from "../../../sdk/osdp/codes.js";
import { KeyError } from "../../../sdk/errors.js";
import { type OsdpFrame, OsdpFrameError, encodeFrame } from "../../../sdk/osdp/frame.js";
import { decodeKeypad, decodeLstatr, decodePdcap, decodePdid, decodeRaw, readerFeatures } from "../../../sdk/osdp/messages.js";
import type { SecureSession } from "../../../sdk/osdp/secure-channel.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import type { Timers } from "../../../sdk/time/timers.js";
import type { OsdpBus } from "./osdp-bus.js";
import type { SecureChannelMode } from "./osdp-settings.js";
import type { OsdpReaderEvent, OsdpReaderState } from "./reader-events.js";
import type { ReaderKeys } from "./reader-keys.js";
import { NO_REPLY, type Outcome, type Reply, type ReaderEventBody, StartFailure, establishSecureChannel } from "./secure-channel-setup.js";

export interface ReaderSessionOptions {
  address: number;
  bus: OsdpBus;
  mode: SecureChannelMode;
  keys: ReaderKeys;
  clock: Clock;
  timers: Timers;
  random: (bytes: number) => Uint8Array;
  logger: Logger;
  events: Listeners<OsdpReaderEvent>;
  retries: number;
  pollIntervalMs: number;
  offlineRetryMs: number;
}

export interface CardEvent {
  /** Secret. */
  cardNumber: string;
  bitCount: number;
  format: number;
  at: number;
}

export type CommandResult = { ok: true } | { ok: false; reason: "disconnected" | "unexpected" } | { ok: false; reason: "nak"; code: number };

const NO_DATA = new Uint8Array(0);
const BUSY_RETRIES = 5;
/** At most this many held reports are polled out at connect (a stuck reader cannot hold the start up). */
const HELD_INPUT_POLLS = 16;

export class ReaderSession {
  readonly cards = new Listeners<CardEvent>();
  readonly keys = new Listeners<{ key: KeypadKey; at: number }>();
  readonly status = new Listeners<boolean>();
  private readonly state: OsdpReaderState;
  private readonly log: Logger;
  private sqn = 0;
  private session: SecureSession | null = null;
  private readonly queue: Array<{ code: number; data: Uint8Array; resolve(result: CommandResult): void }> = [];
  private running = false;
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();
  private sleeper: { timer: unknown; resolve(): void } | null = null;

  constructor(private readonly o: ReaderSessionOptions) {
    this.log = o.logger;
    this.state = {
      address: o.address,
      mode: o.mode,
      connected: false,
      secure: false,
      identity: null,
      capabilities: null,
      features: null,
      checkCharacter: "crc",
      tamper: null,
      powerFailure: null,
      problem: "not started",
    };
  }

  get address(): number {
    return this.o.address;
  }

  get connected(): boolean {
    return this.state.connected;
  }

  snapshot(): OsdpReaderState {
    return { ...this.state };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.wake();
    await this.loopDone;
    this.disconnect(null, "stopped");
  }

  /** Runs the start sequence once (for `facegate osdp scan`); true when the reader is connected. */
  async probe(): Promise<boolean> {
    return this.connect();
  }

  /** Queues a command for the reader; resolves with its outcome. */
  command(code: number, data: Uint8Array): Promise<CommandResult> {
    if (!this.state.connected || !this.running) return Promise.resolve({ ok: false, reason: "disconnected" });
    return new Promise((resolve) => {
      this.queue.push({ code, data, resolve });
      this.wake();
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (err) {
        // A defect must not end the reader's loop (nor reach the process as an unhandled rejection).
        this.log.error("reader loop failed; restarting the reader", { address: this.o.address, error: err as Error });
        this.disconnect("offline", "internal error");
        if (this.running) await this.sleep(this.o.offlineRetryMs);
      }
    }
  }

  private async step(): Promise<void> {
    if (!this.state.connected) {
      if (!(await this.connect()) && this.running) await this.sleep(this.o.offlineRetryMs);
      return;
    }
    const item = this.queue.shift();
    const out = await this.send(item?.code ?? CMD.POLL, item?.data ?? NO_DATA);
    if (out.kind !== "reply") {
      item?.resolve({ ok: false, reason: "disconnected" });
      if (out.kind === "timeout") this.disconnect("offline", NO_REPLY);
      else this.disconnect("secure_channel_lost", out.reason);
      return;
    }
    if (item) item.resolve(this.commandOutcome(item.code, out));
    else this.onPollReply(out);
    if (this.queue.length === 0 && this.running) await this.sleep(this.o.pollIntervalMs);
  }

  // ---- start sequence ----------------------------------------------------------------

  private async connect(): Promise<boolean> {
    this.dropSession();
    this.sqn = 0;
    // An offline reader is probed with one attempt, so it does not hold up the others on the bus.
    const wasOffline = this.state.problem === NO_REPLY;
    try {
      let first = await this.send(CMD.POLL, NO_DATA, undefined, wasOffline ? 1 : this.o.retries + 1);
      if (first.kind === "reply" && first.code === REPLY.NAK && first.data[0] === NAK.CHECK_CHARACTER && this.state.checkCharacter === "checksum") {
        this.sqn = 0;
        first = await this.send(CMD.POLL, NO_DATA);
      }
      if (first.kind !== "reply") throw new StartFailure("offline", NO_REPLY);
      const identity = decodePdid(await this.expect(CMD.ID, Uint8Array.of(0), REPLY.PDID));
      const capabilities = decodePdcap(await this.expect(CMD.CAP, Uint8Array.of(0), REPLY.PDCAP));
      const features = readerFeatures(capabilities);
      Object.assign(this.state, { identity, capabilities, features });
      if (this.o.mode !== "clear") {
        await establishSecureChannel(
          {
            address: this.o.address,
            mode: this.o.mode,
            keys: this.o.keys,
            random: this.o.random,
            log: this.log,
            send: (code, data, scb) => this.send(code, data, scb),
            useSession: (session) => {
              this.dropSession();
              this.session = session;
            },
            emit: (event) => this.emit(event),
          },
          features.secureChannel,
        );
      }
      const status = decodeLstatr(await this.expect(CMD.LSTAT, NO_DATA, REPLY.LSTATR));
      this.onStatusReport(status.tamper, status.powerFailure);
      await this.discardHeldInput();
    } catch (caught) {
      const err = asStartFailure(caught);
      this.dropSession();
      const reason = err.message;
      if (this.state.problem !== reason) {
        // Reported once per distinct problem, not on every retry.
        this.log.warn(err.kind === "offline" ? "reader offline" : "reader not usable", { address: this.o.address, reason });
        this.emit({ type: err.kind === "offline" ? "offline" : err.kind === "insecure" ? "secure_channel_failed" : "refused", reason });
      }
      this.state.problem = reason;
      return false;
    }
    this.state.problem = null;
    this.state.connected = true;
    this.state.secure = this.session !== null;
    this.log.info("reader online", { address: this.o.address, secure: this.state.secure, vendor: this.state.identity?.vendorCode, model: this.state.identity?.model });
    this.emit({ type: "online", secure: this.state.secure });
    this.status.emit(true);
    return true;
  }

  /**
   * A reader keeps the cards and keys read while the panel could not hear it (offline,
   * outside the Secure Channel, before start) and reports them at the next polls.
   * Delivered now, they would open the door long after the person left (and the
   * contract says: no input while disconnected), so they are polled out and dropped
   * before the reader counts as connected. Only counts are logged.
   */
  private async discardHeldInput(): Promise<void> {
    let cards = 0;
    let keyReports = 0;
    for (let i = 0; i < HELD_INPUT_POLLS; i++) {
      const out = await this.send(CMD.POLL, NO_DATA);
      if (out.kind === "timeout") throw new StartFailure("offline", NO_REPLY);
      if (out.kind === "insecure") throw new StartFailure("insecure", out.reason);
      if (out.code === REPLY.RAW) cards++;
      else if (out.code === REPLY.KEYPAD) keyReports++;
      else if (out.code === REPLY.LSTATR) this.onPollReply(out);
      else break;
    }
    if (cards + keyReports > 0) this.log.info("input read while the reader was not connected dropped", { address: this.o.address, cards, keyReports });
  }

  /** Sends a start-sequence command and returns the data of the expected reply. */
  private async expect(code: number, data: Uint8Array, replyCode: number): Promise<Uint8Array> {
    const out = await this.send(code, data);
    if (out.kind === "timeout") throw new StartFailure("offline", NO_REPLY);
    if (out.kind === "insecure") throw new StartFailure("insecure", out.reason);
    if (out.code === REPLY.NAK) throw new StartFailure("refused", `command 0x${code.toString(16)} refused (NAK: ${nakName(out.data[0] ?? -1)})`);
    if (out.code !== replyCode) throw new StartFailure("refused", `unexpected reply 0x${out.code.toString(16)} to command 0x${code.toString(16)}`);
    return out.data;
  }

  // ---- exchanges -----------------------------------------------------------------------

  private async send(code: number, data: Uint8Array, scb?: { type: number; data: Uint8Array }, attempts = this.o.retries + 1): Promise<Outcome> {
    const fields = { address: this.o.address, reply: false, sqn: this.sqn, crc: this.state.checkCharacter === "crc", code, data };
    const bytes = this.session && !scb ? this.session.seal(fields) : encodeFrame({ ...fields, scb });
    let frame: OsdpFrame | null = null;
    for (let busy = 0; busy <= BUSY_RETRIES; busy++) {
      frame = await this.o.bus.exchange(this.o.address, bytes, this.sqn, attempts);
      if (!frame || frame.code !== REPLY.BUSY || this.stopped) break;
      // Busy: the same command again, same sequence number, after a pause.
      await this.sleep(this.o.pollIntervalMs || 10);
    }
    if (!frame || frame.code === REPLY.BUSY) return { kind: "timeout" };
    this.sqn = this.sqn === 3 ? 1 : this.sqn + 1;
    if (!frame.crc && this.state.checkCharacter === "crc") {
      this.state.checkCharacter = "checksum";
      this.log.info("reader answers with checksums; switching to them", { address: this.o.address });
    }
    if (!this.session) return { kind: "reply", code: frame.code, data: frame.data, frame };
    if (!frame.scb) return { kind: "insecure", reason: frame.code === REPLY.NAK ? `reader answered in the clear (NAK: ${nakName(frame.data[0] ?? -1)})` : "reader answered in the clear" };
    try {
      return { kind: "reply", code: frame.code, data: this.session.open(frame), frame };
    } catch (err) {
      return { kind: "insecure", reason: (err as Error).message };
    }
  }

  private commandOutcome(command: number, out: Reply): CommandResult {
    if (out.code === REPLY.ACK) return { ok: true };
    if (out.code === REPLY.NAK) {
      this.onNak(command, out.data[0] ?? -1);
      return { ok: false, reason: "nak", code: out.data[0] ?? -1 };
    }
    return { ok: false, reason: "unexpected" };
  }

  private onPollReply(out: Reply): void {
    const at = this.o.clock.now();
    try {
      switch (out.code) {
        case REPLY.ACK:
          return;
        case REPLY.RAW: {
          const raw = decodeRaw(out.data);
          this.cards.emit({ cardNumber: cardNumberFromRaw(raw), bitCount: raw.bitCount, format: raw.format, at });
          return;
        }
        case REPLY.KEYPAD:
          for (const key of decodeKeypad(out.data).keys) if (isKeypadKey(key)) this.keys.emit({ key, at });
          return;
        case REPLY.LSTATR: {
          const s = decodeLstatr(out.data);
          this.onStatusReport(s.tamper, s.powerFailure);
          return;
        }
        case REPLY.NAK:
          this.onNak(CMD.POLL, out.data[0] ?? -1);
          if (out.data[0] === NAK.SEQUENCE) this.disconnect("offline", "sequence numbers out of step; restarting");
          return;
        default:
          this.log.debug("reply ignored", { address: this.o.address, reply: out.code });
      }
    } catch (err) {
      // A malformed report is dropped; the error names no data.
      this.log.warn("malformed reply dropped", { address: this.o.address, reply: out.code, error: err as Error });
    }
  }

  private onNak(command: number, code: number): void {
    const reason = nakName(code);
    this.log.warn("command refused by the reader", { address: this.o.address, command, nak: code, reason });
    this.emit({ type: "nak", command, code, reason });
  }

  private onStatusReport(tamper: boolean, powerFailure: boolean): void {
    if (tamper !== (this.state.tamper ?? false)) this.emit({ type: "tamper", active: tamper });
    if (powerFailure !== (this.state.powerFailure ?? false)) this.emit({ type: "power", failure: powerFailure });
    this.state.tamper = tamper;
    this.state.powerFailure = powerFailure;
  }

  // ---- state ---------------------------------------------------------------------------

  private disconnect(type: "offline" | "secure_channel_lost" | null, reason: string): void {
    const was = this.state.connected;
    this.dropSession();
    this.state.connected = false;
    this.state.secure = false;
    this.state.problem = reason;
    for (const item of this.queue.splice(0)) item.resolve({ ok: false, reason: "disconnected" });
    if (type) {
      this.log.warn(type === "offline" ? "reader offline" : "reader left the Secure Channel", { address: this.o.address, reason });
      this.emit({ type, reason });
    }
    if (was) this.status.emit(false);
  }

  private dropSession(): void {
    this.session?.destroy();
    this.session = null;
  }

  private emit(event: ReaderEventBody): void {
    this.o.events.emit({ ...event, address: this.o.address, at: this.o.clock.now() } as OsdpReaderEvent);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.o.timers.setTimer(() => {
        this.sleeper = null;
        resolve();
      }, ms);
      this.sleeper = { timer, resolve };
    });
  }

  private wake(): void {
    const s = this.sleeper;
    if (!s) return;
    this.sleeper = null;
    this.o.timers.clearTimer(s.timer);
    s.resolve();
  }
}

/** Malformed replies and key file failures end a start sequence like a refusal; anything else is a bug. */
function asStartFailure(err: unknown): StartFailure {
  if (err instanceof StartFailure) return err;
  if (err instanceof OsdpFrameError) return new StartFailure("refused", err.message);
  if (err instanceof KeyError) return new StartFailure("insecure", err.message);
  throw err;
}
