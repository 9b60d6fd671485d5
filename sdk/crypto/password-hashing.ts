/**
 * libsodium's password hashing (crypto_pwhash, Argon2id) for PINs. It lives only in the
 * "sumo" build of libsodium-wrappers, so that build is loaded here, once, for this alone;
 * everything else uses the standard build (sodium.ts). Both are the same libsodium
 * release (package.json pins them together).
 */
import sumoModule from "libsodium-wrappers-sumo";

export interface PasswordHashing {
  /** `$argon2id$v=19$m=...,t=...,p=1$salt$hash`: salt and parameters inside. */
  crypto_pwhash_str(password: string, opsLimit: number, memLimit: number): string;
  /** Constant-time inside libsodium; false for any hash it cannot parse. */
  crypto_pwhash_str_verify(hash: string, password: string): boolean;
  readonly crypto_pwhash_OPSLIMIT_MIN: number;
  readonly crypto_pwhash_MEMLIMIT_MIN: number;
}

let ready: Promise<PasswordHashing> | undefined;

export function loadPasswordHashing(): Promise<PasswordHashing> {
  ready ??= sumoModule.ready.then(() => sumoModule as unknown as PasswordHashing);
  return ready;
}
