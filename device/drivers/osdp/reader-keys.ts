/**
 * Where the control panel keeps each reader's Secure Channel base key (SCBK).
 *
 * The key file is JSON, mode 0600 in a 0700 folder, and refused if anyone but the device
 * user can read it (SPEC section 6); keys never reach a log. A new key is written as
 * `pending` BEFORE KEYSET goes to the reader, and promoted once the reader has proved it
 * (a handshake with it succeeded): a crash or a lost reply between the two can then never
 * leave a reader holding a key the panel has forgotten.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { KeyError } from "../../../sdk/errors.js";

export interface StoredReaderKey {
  own: Uint8Array | null;
  pending: Uint8Array | null;
}

export interface ReaderKeys {
  keysFor(address: number): StoredReaderKey;
  /** Records a key about to be sent with KEYSET. */
  stagePending(address: number, key: Uint8Array): void;
  /** The key a handshake just succeeded with becomes the reader's own. */
  confirm(address: number, key: Uint8Array): void;
}

interface KeyFileJson {
  version: 1;
  readers: Record<string, { scbk?: string; pending?: string; installedAt?: string }>;
}

const HEX_KEY = /^[0-9a-f]{32}$/;

export class FileReaderKeys implements ReaderKeys {
  constructor(
    readonly path: string,
    private readonly now: () => number,
  ) {}

  keysFor(address: number): StoredReaderKey {
    const entry = this.read().readers[String(address)];
    const key = (hex: string | undefined) => (hex && HEX_KEY.test(hex) ? Uint8Array.from(Buffer.from(hex, "hex")) : null);
    return { own: key(entry?.scbk), pending: key(entry?.pending) };
  }

  stagePending(address: number, key: Uint8Array): void {
    this.update(address, (e) => ({ ...e, pending: Buffer.from(key).toString("hex") }));
  }

  confirm(address: number, key: Uint8Array): void {
    const hex = Buffer.from(key).toString("hex");
    this.update(address, (e) => (e.scbk === hex && !e.pending ? e : { scbk: hex, installedAt: e.scbk === hex ? e.installedAt : new Date(this.now()).toISOString() }));
  }

  private read(): KeyFileJson {
    if (!existsSync(this.path)) return { version: 1, readers: {} };
    const st = lstatSync(this.path);
    if (!st.isFile()) throw new KeyError("key_invalid", `OSDP key file ${this.path} is not a regular file`, { path: this.path });
    if ((st.mode & 0o077) !== 0) {
      throw new KeyError("key_permissions", `OSDP key file ${this.path} has mode ${(st.mode & 0o777).toString(8)}; it must be private to the device user (chmod 600)`, { path: this.path });
    }
    let doc: KeyFileJson;
    try {
      doc = JSON.parse(readFileSync(this.path, "utf8")) as KeyFileJson;
    } catch {
      throw new KeyError("key_invalid", `OSDP key file ${this.path} is not valid JSON; it was left untouched`, { path: this.path });
    }
    if (doc?.version !== 1 || typeof doc.readers !== "object" || doc.readers === null) {
      throw new KeyError("key_invalid", `OSDP key file ${this.path} is not a version 1 key file; it was left untouched`, { path: this.path });
    }
    return doc;
  }

  private update(address: number, change: (entry: KeyFileJson["readers"][string]) => KeyFileJson["readers"][string]): void {
    const doc = this.read();
    doc.readers[String(address)] = change(doc.readers[String(address)] ?? {});
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      rmSync(tmp, { force: true });
      const fd = openSync(tmp, "wx", 0o600);
      try {
        writeSync(fd, `${JSON.stringify(doc, null, 1)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new KeyError("key_write_failed", `cannot write OSDP key file ${this.path}: ${(err as Error).message}`, { path: this.path });
    }
  }
}

/** One key given on the command line (`facegate osdp scan --scbk HEX`): nothing is stored. */
export class FixedReaderKeys implements ReaderKeys {
  constructor(private readonly key: Uint8Array | null) {}

  keysFor(): StoredReaderKey {
    return { own: this.key, pending: null };
  }

  stagePending(): void {
    throw new KeyError("key_unstorable", "installing a reader key needs a key file to keep it in");
  }

  confirm(): void {}
}
