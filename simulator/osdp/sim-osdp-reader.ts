/**
 * A simulated OSDP reader (the PD side), written against the protocol pieces in
 * sdk/osdp and nothing else: it answers POLL, ID, CAP, LSTAT, LED, BUZ, TEXT and
 * KEYSET, runs the Secure Channel handshake (with SCBK-D only while it has no key of its
 * own, i.e. out of the box), resends its last reply when a command is repeated with the
 * same sequence number, and reports cards (osdp_RAW), keys (osdp_KEYPAD) and tamper or
 * power changes (osdp_LSTATR) in answer to POLL.
 *
 * Test hooks, in the style of serialport's mock binding: presentCard, pressKeys,
 * setTamper, setPowerFailure; and faults: `silent`, `garbage`, `lateMs` (applied by the
 * bus), `busy`, `refuseHandshake`, `refuse` (commands to NAK), `dropSecureChannel()`,
 * `corruptNextMac()`.
 * Observations: `scbk` (its current key), `secure`, `leds`, `buzzes`, `text`, `received`.
 */
import { randomBytes } from "node:crypto";
import { type Clock, systemClock } from "../../sdk/time/clock.js";
import { BROADCAST_ADDRESS, CAP, CMD, NAK, REPLY, SCS } from "../../sdk/osdp/codes.js";
import { crc16 } from "../../sdk/osdp/check.js";
import { type OsdpFrame, encodeFrame } from "../../sdk/osdp/frame.js";
import { packBits } from "../../sdk/osdp/card-data.js";
import {
  type BuzzerCommand,
  type Capability,
  type LedCommand,
  type LocalStatus,
  type ReaderIdentity,
  decodeBuz,
  decodeKeyset,
  decodeLed,
  decodeText,
  encodeCcrypt,
  encodeKeypad,
  encodeLstatr,
  encodePdcap,
  encodePdid,
  encodeRaw,
} from "../../sdk/osdp/messages.js";
import {
  SCBK_DEFAULT,
  type SessionKeys,
  SecureChannelError,
  SecureSession,
  clientCryptogram,
  deriveSessionKeys,
  initialRmac,
  sameBytes,
  serverCryptogram,
} from "../../sdk/osdp/secure-channel.js";

export interface SimOsdpReaderOptions {
  address: number;
  identity?: Partial<ReaderIdentity>;
  /** The reader's own key; absent: out of the box (install mode, SCBK-D only). */
  scbk?: Uint8Array;
  /** Supports the Secure Channel (default true). */
  secureChannel?: boolean;
  /** Has a 2 x 16 text display (default true). */
  textDisplay?: boolean;
  /** Knows only the 8-bit checksum: refuses CRC frames with NAK 1 (default false). */
  checksumOnly?: boolean;
  random?: (bytes: number) => Uint8Array;
  /** The reader's own clock, for its LED timer (default: the system clock). */
  clock?: Clock;
}

type LedState = { onTime: number; offTime: number; onColor: number; offColor: number };

const DEFAULT_IDENTITY: ReaderIdentity = { vendorCode: "5A0F01", model: 3, version: 1, serialNumber: 0x1234abcd, firmware: "2.4.7" };
const NO_DATA = new Uint8Array(0);

type Reply = { code: number; data?: Uint8Array; scb?: { type: number; data: Uint8Array } };

export class SimOsdpReader {
  readonly address: number;
  readonly identity: ReaderIdentity;
  /** The key the reader holds now (null: out of the box). Secret; for tests to compare. */
  scbk: Uint8Array | null;
  readonly leds: LedCommand[] = [];
  readonly buzzes: BuzzerCommand[] = [];
  text: string[] = ["", ""];
  /** Command codes received and answered, in order. */
  readonly received: number[] = [];

  // Faults. `silent`, `garbage` and `lateMs` are applied by the bus that carries the reply.
  silent = false;
  garbage: "none" | "instead" | "before" = "none";
  lateMs = 0;
  /** Answer this many commands with osdp_BUSY. */
  busy = 0;
  refuseHandshake = false;
  /** Commands answered with NAK 3 (unknown command). */
  readonly refuse = new Set<number>();

  private readonly random: (n: number) => Uint8Array;
  private readonly options: SimOsdpReaderOptions;
  private session: SecureSession | null = null;
  private pending: { keys: SessionKeys; rndA: Uint8Array; rndB: Uint8Array } | null = null;
  private lastSqn: number | null = null;
  private lastCommand: Uint8Array | null = null;
  private lastReply: Uint8Array | null = null;
  private corruptMac = false;
  private status: LocalStatus = { tamper: false, powerFailure: false };
  private statusChanged = false;
  private readonly cards: Array<{ bits: string; format: number }> = [];
  private keys = "";
  private readonly clock: Clock;
  private permanentLed: LedState | null = null;
  private temporaryLed: { state: LedState; until: number } | null = null;

  constructor(options: SimOsdpReaderOptions) {
    this.options = options;
    this.address = options.address;
    this.identity = { ...DEFAULT_IDENTITY, ...options.identity };
    this.scbk = options.scbk ? Uint8Array.from(options.scbk) : null;
    this.random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.clock = options.clock ?? systemClock;
  }

  /**
   * What the LED shows now: a temporary state until its timer (units of 100 ms, counted
   * on the reader's clock) runs out, then the permanent one; null while never set.
   */
  ledState(): LedState | null {
    if (this.temporaryLed && this.clock.now() < this.temporaryLed.until) return this.temporaryLed.state;
    return this.permanentLed;
  }

  get secure(): boolean {
    return this.session !== null;
  }

  // ---- hooks ---------------------------------------------------------------------------

  /** A card held to the reader, as its bits ("0101..."); reported at the next POLL. */
  presentCard(bits: string, format = 0x00): void {
    packBits(bits);
    this.cards.push({ bits, format });
  }

  /** Keys pressed (0-9, *, #), reported together at the next POLL. */
  pressKeys(keys: string): void {
    if (!/^[0-9*#]+$/.test(keys)) throw new RangeError("keys must be 0-9, * or #");
    this.keys += keys;
  }

  setTamper(on: boolean): void {
    if (this.status.tamper !== on) this.statusChanged = true;
    this.status = { ...this.status, tamper: on };
  }

  setPowerFailure(on: boolean): void {
    if (this.status.powerFailure !== on) this.statusChanged = true;
    this.status = { ...this.status, powerFailure: on };
  }

  /** The reader forgets its secure session (as after a reset): it answers in the clear. */
  dropSecureChannel(): void {
    this.session?.destroy();
    this.session = null;
  }

  /** The next MAC-protected reply carries a wrong MAC. */
  corruptNextMac(): void {
    this.corruptMac = true;
  }

  // ---- protocol ------------------------------------------------------------------------

  /** Answers one command frame; null when the frame is not for this reader. */
  handle(frame: OsdpFrame): Uint8Array | null {
    if (frame.reply || (frame.address !== this.address && frame.address !== BROADCAST_ADDRESS)) return null;
    const clearReply = (reply: Reply) => this.encode(frame, reply, false);
    if (this.options.checksumOnly && frame.crc) return clearReply({ code: REPLY.NAK, data: Uint8Array.of(NAK.CHECK_CHARACTER) });
    if (frame.sqn === 0) {
      this.lastSqn = null;
      this.dropSecureChannel();
    } else if (this.lastSqn === frame.sqn && this.lastCommand && sameBytes(this.lastCommand, frame.raw)) {
      return this.lastReply;
    } else if (this.lastSqn !== null && frame.sqn !== (this.lastSqn % 3) + 1) {
      return clearReply({ code: REPLY.NAK, data: Uint8Array.of(NAK.SEQUENCE) });
    }
    if (this.busy > 0) {
      this.busy--;
      return clearReply({ code: REPLY.BUSY });
    }
    let reply: Reply;
    let sealed = false;
    try {
      const opened = this.open(frame);
      sealed = this.session !== null && opened.secured;
      reply = this.answer(frame, opened.data, opened.encrypted);
    } catch (err) {
      if (!(err instanceof SecureChannelError)) throw err;
      // A MAC that does not check, or a command in the clear during a session: the
      // session ends and the refusal goes out in the clear.
      this.dropSecureChannel();
      reply = { code: REPLY.NAK, data: Uint8Array.of(NAK.SECURITY_UNSUPPORTED) };
    }
    this.received.push(frame.code);
    const bytes = this.encode(frame, reply, sealed && this.session !== null);
    this.lastSqn = frame.sqn;
    this.lastCommand = frame.raw;
    this.lastReply = bytes;
    return bytes;
  }

  private open(frame: OsdpFrame): { data: Uint8Array; secured: boolean; encrypted: boolean } {
    const type = frame.scb?.type;
    if (type === SCS.CHLNG || type === SCS.SCRYPT) return { data: frame.data, secured: false, encrypted: false };
    if (this.session) return { data: this.session.open(frame), secured: true, encrypted: type === SCS.CMD_ENC };
    if (type !== undefined) throw new SecureChannelError("no secure channel established");
    return { data: frame.data, secured: false, encrypted: false };
  }

  private answer(frame: OsdpFrame, data: Uint8Array, encrypted: boolean): Reply {
    const nak = (code: number): Reply => ({ code: REPLY.NAK, data: Uint8Array.of(code) });
    if (this.refuse.has(frame.code)) return nak(NAK.UNKNOWN_COMMAND);
    // A reader with a key of its own gives nothing but its identity in the clear.
    const clearOnlyIdentity = this.scbk !== null && this.session === null;
    switch (frame.code) {
      case CMD.POLL:
        return clearOnlyIdentity ? { code: REPLY.ACK } : this.pollReply();
      case CMD.ID:
        return { code: REPLY.PDID, data: encodePdid(this.identity) };
      case CMD.CAP:
        return { code: REPLY.PDCAP, data: encodePdcap(this.capabilities()) };
      case CMD.LSTAT:
        if (clearOnlyIdentity) return nak(NAK.ENCRYPTION_REQUIRED);
        this.statusChanged = false;
        return { code: REPLY.LSTATR, data: encodeLstatr(this.status) };
      case CMD.LED:
        if (clearOnlyIdentity) return nak(NAK.ENCRYPTION_REQUIRED);
        const led = decodeLed(data);
        this.leds.push(led);
        // Control code 2 sets a temporary state, 1 cancels it; 0 leaves it as it is.
        if (led.temporary) this.temporaryLed = { state: { ...led.temporary }, until: this.clock.now() + led.temporary.timer * 100 };
        else if (data[2] === 1) this.temporaryLed = null;
        if (led.permanent) this.permanentLed = { ...led.permanent };
        return { code: REPLY.ACK };
      case CMD.BUZ:
        if (clearOnlyIdentity) return nak(NAK.ENCRYPTION_REQUIRED);
        this.buzzes.push(decodeBuz(data));
        return { code: REPLY.ACK };
      case CMD.TEXT: {
        if (clearOnlyIdentity) return nak(NAK.ENCRYPTION_REQUIRED);
        if (this.options.textDisplay === false) return nak(NAK.UNKNOWN_COMMAND);
        const t = decodeText(data);
        const rows = [...this.text];
        rows[t.row - 1] = t.text.slice(0, 16);
        this.text = rows;
        return { code: REPLY.ACK };
      }
      case CMD.KEYSET:
        if (!this.session || !encrypted) return nak(NAK.ENCRYPTION_REQUIRED);
        this.scbk = decodeKeyset(data);
        return { code: REPLY.ACK };
      case CMD.CHLNG:
        return this.challenge(frame, data);
      case CMD.SCRYPT:
        return this.serverCryptogram(data);
      default:
        return nak(NAK.UNKNOWN_COMMAND);
    }
  }

  private pollReply(): Reply {
    if (this.statusChanged) {
      this.statusChanged = false;
      return { code: REPLY.LSTATR, data: encodeLstatr(this.status) };
    }
    const card = this.cards.shift();
    if (card) {
      const { bitCount, data } = packBits(card.bits);
      return { code: REPLY.RAW, data: encodeRaw({ reader: 0, format: card.format, bitCount, data }) };
    }
    if (this.keys) {
      const keys = this.keys;
      this.keys = "";
      return { code: REPLY.KEYPAD, data: encodeKeypad(0, keys) };
    }
    return { code: REPLY.ACK };
  }

  private capabilities(): Capability[] {
    return [
      { code: CAP.CONTACT_STATUS, compliance: 0, count: 0 },
      { code: CAP.CARD_DATA_FORMAT, compliance: 1, count: 0 },
      { code: CAP.LED_CONTROL, compliance: 4, count: 1 },
      { code: CAP.AUDIBLE_OUTPUT, compliance: 2, count: 1 },
      { code: CAP.TEXT_OUTPUT, compliance: this.options.textDisplay === false ? 0 : 2, count: 1 },
      { code: CAP.CHECK_CHARACTER, compliance: this.options.checksumOnly ? 0 : 1, count: 0 },
      { code: CAP.COMMUNICATION_SECURITY, compliance: this.options.secureChannel === false ? 0 : 1, count: this.options.secureChannel === false ? 0 : 1 },
      { code: CAP.READERS, compliance: 0, count: 1 },
      { code: CAP.OSDP_VERSION, compliance: 2, count: 0 },
    ];
  }

  private challenge(frame: OsdpFrame, rndA: Uint8Array): Reply {
    const nak = { code: REPLY.NAK, data: Uint8Array.of(NAK.SECURITY_UNSUPPORTED) };
    this.dropSecureChannel();
    this.pending = null;
    const useDefault = frame.scb?.data[0] === 0x00;
    if (this.options.secureChannel === false || this.refuseHandshake || rndA.length !== 8) return nak;
    // SCBK-D is accepted only out of the box; a keyed reader never falls back to it.
    const key = useDefault ? (this.scbk === null ? SCBK_DEFAULT : null) : this.scbk;
    if (!key) return nak;
    const keys = deriveSessionKeys(key, rndA);
    const rndB = this.random(8);
    this.pending = { keys, rndA: rndA.slice(), rndB };
    const clientUid = Uint8Array.from([...encodePdid(this.identity).subarray(0, 4), ...encodePdid(this.identity).subarray(5, 9)]);
    return {
      code: REPLY.CCRYPT,
      scb: { type: SCS.CCRYPT, data: Uint8Array.of(useDefault ? 0 : 1) },
      data: encodeCcrypt({ clientUid, rndB, cryptogram: clientCryptogram(keys, rndA, rndB) }),
    };
  }

  private serverCryptogram(cryptogram: Uint8Array): Reply {
    const pending = this.pending;
    this.pending = null;
    if (!pending || cryptogram.length !== 16 || !sameBytes(cryptogram, serverCryptogram(pending.keys, pending.rndA, pending.rndB))) {
      return { code: REPLY.NAK, data: Uint8Array.of(NAK.SECURITY_UNSUPPORTED) };
    }
    const rmacI = initialRmac(pending.keys, cryptogram);
    this.session = new SecureSession(pending.keys, rmacI, "pd");
    return { code: REPLY.RMAC_I, scb: { type: SCS.RMAC_I, data: Uint8Array.of(0x01) }, data: rmacI };
  }

  private encode(frame: OsdpFrame, reply: Reply, sealed: boolean): Uint8Array {
    const fields = { address: this.address, reply: true, sqn: frame.sqn, crc: frame.crc && !this.options.checksumOnly, code: reply.code, data: reply.data ?? NO_DATA };
    if (!sealed || !this.session) return encodeFrame({ ...fields, scb: reply.scb });
    const bytes = this.session.seal(fields);
    if (this.corruptMac) {
      this.corruptMac = false;
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
      const c = crc16(bytes, 0, bytes.length - 2);
      bytes.set([c & 0xff, c >> 8], bytes.length - 2);
    }
    return bytes;
  }
}
