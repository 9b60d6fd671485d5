/**
 * What the control panel reports about each reader, besides cards and keys: for the
 * gate (status of the adapters), the installer (`facegate osdp scan|watch`) and the
 * operator (events to wire into alarms). Never carries a key, a card number or a PIN.
 */
import type { ReaderFeatures, ReaderIdentity, Capability } from "../../../sdk/osdp/messages.js";
import type { SecureChannelMode } from "./osdp-settings.js";

export type OsdpReaderEvent =
  | { type: "online"; address: number; at: number; secure: boolean }
  | { type: "offline"; address: number; at: number; reason: string }
  | { type: "secure_channel_established"; address: number; at: number; key: "own" | "install" }
  | { type: "secure_channel_failed"; address: number; at: number; reason: string }
  /** The reader left an established Secure Channel (MAC failure, clear reply): it is disconnected. */
  | { type: "secure_channel_lost"; address: number; at: number; reason: string }
  /** The reader answers but refuses or garbles the start sequence (ID, CAP, LSTAT). */
  | { type: "refused"; address: number; at: number; reason: string }
  | { type: "key_installed"; address: number; at: number }
  | { type: "tamper"; address: number; at: number; active: boolean }
  | { type: "power"; address: number; at: number; failure: boolean }
  | { type: "nak"; address: number; at: number; command: number; code: number; reason: string };

export interface OsdpReaderState {
  address: number;
  mode: SecureChannelMode;
  /** Usable: online and, unless the mode is "clear", in the Secure Channel. */
  connected: boolean;
  secure: boolean;
  identity: ReaderIdentity | null;
  capabilities: Capability[] | null;
  features: ReaderFeatures | null;
  checkCharacter: "crc" | "checksum";
  tamper: boolean | null;
  powerFailure: boolean | null;
  /** Why the reader is not connected, if it is not. */
  problem: string | null;
}
