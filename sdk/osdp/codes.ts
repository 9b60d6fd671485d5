/**
 * SIA OSDP v2.2 (IEC 60839-11-5) numbers: command and reply codes, NAK error codes,
 * security block types and capability function codes. Platform-free.
 */

/** Commands, sent by the control panel (ACU). */
export const CMD = {
  POLL: 0x60,
  ID: 0x61,
  CAP: 0x62,
  LSTAT: 0x64,
  LED: 0x69,
  BUZ: 0x6a,
  TEXT: 0x6b,
  KEYSET: 0x75,
  CHLNG: 0x76,
  SCRYPT: 0x77,
} as const;

/** Replies, sent by the reader (PD). */
export const REPLY = {
  ACK: 0x40,
  NAK: 0x41,
  PDID: 0x45,
  PDCAP: 0x46,
  LSTATR: 0x48,
  RAW: 0x50,
  KEYPAD: 0x53,
  CCRYPT: 0x76,
  RMAC_I: 0x78,
  BUSY: 0x79,
} as const;

/** NAK error codes (the reply's first data byte). */
export const NAK = {
  NONE: 0x00,
  CHECK_CHARACTER: 0x01,
  COMMAND_LENGTH: 0x02,
  UNKNOWN_COMMAND: 0x03,
  SEQUENCE: 0x04,
  SECURITY_UNSUPPORTED: 0x05,
  ENCRYPTION_REQUIRED: 0x06,
  BIO_TYPE: 0x07,
  BIO_FORMAT: 0x08,
  UNABLE_TO_PROCESS: 0x09,
} as const;

const NAK_NAMES: Record<number, string> = {
  0x00: "no error",
  0x01: "message check character error",
  0x02: "command length error",
  0x03: "unknown command",
  0x04: "unexpected sequence number",
  0x05: "security block unsupported or security conditions not met",
  0x06: "encrypted communication required",
  0x07: "biometric type not supported",
  0x08: "biometric format not supported",
  0x09: "unable to process command record",
};

export function nakName(code: number): string {
  return NAK_NAMES[code] ?? `unknown NAK code 0x${code.toString(16).padStart(2, "0")}`;
}

/**
 * Security block types. Odd types travel from the ACU, even ones from the PD:
 * 11/12 CHLNG/CCRYPT, 13/14 SCRYPT/RMAC_I, 15/16 MAC only, 17/18 MAC and encrypted data.
 */
export const SCS = {
  CHLNG: 0x11,
  CCRYPT: 0x12,
  SCRYPT: 0x13,
  RMAC_I: 0x14,
  CMD_MAC: 0x15,
  REPLY_MAC: 0x16,
  CMD_ENC: 0x17,
  REPLY_ENC: 0x18,
} as const;

/** PDCAP function codes this driver reads. */
export const CAP = {
  CONTACT_STATUS: 1,
  OUTPUT_CONTROL: 2,
  CARD_DATA_FORMAT: 3,
  LED_CONTROL: 4,
  AUDIBLE_OUTPUT: 5,
  TEXT_OUTPUT: 6,
  TIME_KEEPING: 7,
  CHECK_CHARACTER: 8,
  COMMUNICATION_SECURITY: 9,
  RECEIVE_BUFFER: 10,
  LARGEST_MESSAGE: 11,
  SMART_CARD: 12,
  READERS: 13,
  BIOMETRICS: 14,
  SECURE_PIN_ENTRY: 15,
  OSDP_VERSION: 16,
} as const;

/** Broadcast address; readers answer it with their own address. */
export const BROADCAST_ADDRESS = 0x7f;
