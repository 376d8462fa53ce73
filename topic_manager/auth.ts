/**
 * The shared-secret proof of the cluster handshake: the topic manager sends a
 * random nonce, the gateway answers with HMAC-SHA256(secret, nonce). An empty
 * secret means "no authentication": the proof is empty and not checked.
 *
 * @module
 */

/** Bytes of the handshake nonce. */
export const NONCE_BYTES = 32;

const encoder = new TextEncoder();

/** A fresh random nonce for one handshake. */
export function createNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}

function importKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [usage],
  );
}

/** HMAC-SHA256(secret, nonce); empty when the secret is empty. */
export async function signNonce(secret: string, nonce: Uint8Array): Promise<Uint8Array> {
  if (secret === "") return new Uint8Array(0);
  const key = await importKey(secret, "sign");
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, nonce as Uint8Array<ArrayBuffer>));
}

/** Whether `mac` proves knowledge of `secret` for `nonce` (constant time); always true for an empty secret. */
export async function verifyNonce(
  secret: string,
  nonce: Uint8Array,
  mac: Uint8Array,
): Promise<boolean> {
  if (secret === "") return true;
  const key = await importKey(secret, "verify");
  return await crypto.subtle.verify(
    "HMAC",
    key,
    mac as Uint8Array<ArrayBuffer>,
    nonce as Uint8Array<ArrayBuffer>,
  );
}
