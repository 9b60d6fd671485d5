/** A device signing key of the test's: the device's own comes from its key hierarchy. */
import { ed25519Signer, generateEd25519KeyPair, type Signer } from "../../sdk/crypto/keys.js";

export async function testDeviceSigner(): Promise<Signer> {
  return ed25519Signer((await generateEd25519KeyPair()).secretKey);
}
