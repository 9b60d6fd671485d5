/**
 * Establishing a reader's Secure Channel, from the control panel: which keys to try, the
 * CHLNG/CCRYPT and SCRYPT/RMAC_I handshake, and commissioning (install mode).
 *
 * Keys tried, in order: the reader's own key, a pending one (sent with KEYSET but not yet
 * proved), and only in install mode the default SCBK-D. A reader that got in with SCBK-D
 * is given a fresh random key at once (KEYSET, encrypted), written to the key file as
 * pending first, and the handshake is run again with it; only then is it the reader's key.
 */
import { CMD, REPLY, SCS, nakName } from "../../../sdk/osdp/codes.js";
import type { OsdpFrame } from "../../../sdk/osdp/frame.js";
import { decodeCcrypt, encodeKeyset } from "../../../sdk/osdp/messages.js";
import { SCBK_DEFAULT, SecureSession, clientCryptogram, deriveSessionKeys, initialRmac, sameBytes, serverCryptogram } from "../../../sdk/osdp/secure-channel.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { SecureChannelMode } from "./osdp-settings.js";
import type { OsdpReaderEvent } from "./reader-events.js";
import type { ReaderKeys } from "./reader-keys.js";

export type Reply = { code: number; data: Uint8Array; frame: OsdpFrame };
/** What an exchange with a reader came to: its reply (authenticated, decrypted), none, or an insecure one. */
export type Outcome = ({ kind: "reply" } & Reply) | { kind: "timeout" } | { kind: "insecure"; reason: string };
export type ReaderEventBody = OsdpReaderEvent extends infer E ? (E extends unknown ? Omit<E, "address" | "at"> : never) : never;

export const NO_REPLY = "no reply";

/**
 * Ends a start sequence: "offline" (no answer), "insecure" (no Secure Channel to be had)
 * or "refused" (answers, but refuses or garbles the start commands).
 */
export class StartFailure extends Error {
  constructor(
    readonly kind: "offline" | "insecure" | "refused",
    reason: string,
  ) {
    super(reason);
  }
}

export interface SetupContext {
  address: number;
  mode: SecureChannelMode;
  keys: ReaderKeys;
  random: (bytes: number) => Uint8Array;
  log: Logger;
  /** Sends a command (sealed when a session is in use) and returns the outcome. */
  send(code: number, data: Uint8Array, scb?: { type: number; data: Uint8Array }): Promise<Outcome>;
  /** Puts a session in use for the next sends (null: none). */
  useSession(session: SecureSession | null): void;
  emit(event: ReaderEventBody): void;
}

/** Establishes the channel or throws StartFailure. */
export async function establishSecureChannel(ctx: SetupContext, supported: boolean): Promise<void> {
  if (!supported) throw new StartFailure("insecure", 'the reader does not offer the Secure Channel (PDCAP); only secureChannel "clear" would use it');
  let stored;
  try {
    stored = ctx.keys.keysFor(ctx.address);
  } catch (err) {
    throw new StartFailure("insecure", (err as Error).message);
  }
  const candidates: Array<{ key: Uint8Array; kind: "own" | "pending" | "install" }> = [];
  if (stored.own) candidates.push({ key: stored.own, kind: "own" });
  if (stored.pending) candidates.push({ key: stored.pending, kind: "pending" });
  if (ctx.mode === "install") candidates.push({ key: SCBK_DEFAULT, kind: "install" });
  if (candidates.length === 0) throw new StartFailure("insecure", 'no key for this reader in the key file; commission it once with secureChannel "install"');
  let used: (typeof candidates)[number] | null = null;
  let reason = "";
  for (const c of candidates) {
    const failure = await handshake(ctx, c.key, c.kind === "install" ? 0 : 1);
    if (failure === null) {
      used = c;
      break;
    }
    reason = failure;
  }
  if (!used) throw new StartFailure("insecure", `Secure Channel handshake failed: ${reason}`);
  if (used.kind !== "install") {
    ctx.keys.confirm(ctx.address, used.key);
    ctx.emit({ type: "secure_channel_established", key: "own" });
    return;
  }
  const fresh = ctx.random(16);
  try {
    ctx.keys.stagePending(ctx.address, fresh);
    const ack = await ctx.send(CMD.KEYSET, encodeKeyset(fresh));
    if (ack.kind === "timeout") throw new StartFailure("offline", NO_REPLY);
    if (ack.kind !== "reply" || ack.code !== REPLY.ACK) throw new StartFailure("insecure", "the reader did not accept its new key (KEYSET)");
    ctx.emit({ type: "key_installed" });
    const failure = await handshake(ctx, fresh, 1);
    if (failure !== null) throw new StartFailure("insecure", `Secure Channel handshake with the new key failed: ${failure}`);
    ctx.keys.confirm(ctx.address, fresh);
    ctx.log.info("reader given its own Secure Channel key", { address: ctx.address });
    ctx.emit({ type: "secure_channel_established", key: "install" });
  } finally {
    fresh.fill(0);
  }
}

/** null once the session is in use, else why not. Throws StartFailure when unanswered. */
async function handshake(ctx: SetupContext, key: Uint8Array, keyFlag: 0 | 1): Promise<string | null> {
  ctx.useSession(null);
  const rndA = ctx.random(8);
  const challenge = await ctx.send(CMD.CHLNG, rndA, { type: SCS.CHLNG, data: Uint8Array.of(keyFlag) });
  if (challenge.kind === "timeout") throw new StartFailure("offline", NO_REPLY);
  if (challenge.kind !== "reply") return challenge.reason;
  if (challenge.code === REPLY.NAK) return `challenge refused (NAK: ${nakName(challenge.data[0] ?? -1)})`;
  if (challenge.code !== REPLY.CCRYPT || challenge.data.length !== 32) return `unexpected reply 0x${challenge.code.toString(16)} to CHLNG`;
  const cc = decodeCcrypt(challenge.data);
  const keys = deriveSessionKeys(key, rndA);
  const wipe = () => [keys.sEnc, keys.sMac1, keys.sMac2].forEach((k) => k.fill(0));
  if (!sameBytes(cc.cryptogram, clientCryptogram(keys, rndA, cc.rndB))) {
    wipe();
    return "the reader's cryptogram does not match the key";
  }
  const server = serverCryptogram(keys, rndA, cc.rndB);
  const answer = await ctx.send(CMD.SCRYPT, server, { type: SCS.SCRYPT, data: Uint8Array.of(keyFlag) });
  const rmacI = initialRmac(keys, server);
  let problem: string | null = null;
  if (answer.kind === "timeout") problem = NO_REPLY;
  else if (answer.kind !== "reply") problem = answer.reason;
  else if (answer.code !== REPLY.RMAC_I || answer.frame.scb?.data[0] !== 0x01) problem = "the reader refused the server cryptogram";
  else if (!sameBytes(answer.data, rmacI)) problem = "the reader's initial R-MAC does not match";
  if (problem !== null) {
    wipe();
    if (problem === NO_REPLY) throw new StartFailure("offline", NO_REPLY);
    return problem;
  }
  ctx.useSession(new SecureSession(keys, rmacI, "acu"));
  return null;
}
