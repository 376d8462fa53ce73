/**
 * An example hooks module for the turnkey gateway:
 *
 * ```sh
 * HOOKS_SECRET=s3cret deno task gateway --hooks examples/hooks.ts
 * ```
 *
 * The gateway imports this module once and uses two of its exports:
 * - `authenticate(request)` decides each WebSocket upgrade. Here a client
 *   presents `?token=<userId>.<signature>` (see {@linkcode signToken}); a
 *   missing or forged token gets 401 and no socket is opened.
 * - `hooks` ({@linkcode GatewayHooks}) is applied to every connection. Here
 *   users may subscribe to and publish on `/public/...` topics and on their
 *   own `/user/<userId>/...` topics only; subscriptions are logged.
 *
 * Issue a token for a user (the secret must match the gateway's):
 *
 * ```sh
 * HOOKS_SECRET=s3cret deno eval \
 *   'import { signToken } from "./examples/hooks.ts"; console.log(await signToken("alice"))'
 * ```
 *
 * @module
 */
import { createConsoleLogger, type GatewayHooks, type Identity } from "../mod.ts";

/** User ids: 1 to 64 letters, digits, `_` or `-`. */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Without HOOKS_SECRET tokens are signed with this, fit only for trying it out. */
const DEVELOPMENT_SECRET = "firetower-development-secret";

const logger = createConsoleLogger("info");
const secret = Deno.env.get("HOOKS_SECRET") ?? DEVELOPMENT_SECRET;
if (secret === DEVELOPMENT_SECRET) {
  logger.warn("hooks: HOOKS_SECRET is not set; using the development secret");
}
const encoder = new TextEncoder();
const key = crypto.subtle.importKey(
  "raw",
  encoder.encode(secret),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign", "verify"],
);

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Issues the token of `userId`: `<userId>.<HMAC-SHA-256 of it, base64url>`,
 * signed with HOOKS_SECRET.
 *
 * @example
 * ```ts ignore
 * const token = await signToken("alice");
 * new WebSocket(`ws://localhost:9999/ws?token=${token}`);
 * ```
 */
export async function signToken(userId: string): Promise<string> {
  if (!USER_ID.test(userId)) {
    throw new RangeError(
      `Cannot sign a token as 'userId' must be 1 to 64 letters, digits, '_' or '-': current value is '${userId}'`,
    );
  }
  const signature = await crypto.subtle.sign("HMAC", await key, encoder.encode(userId));
  return `${userId}.${toBase64Url(new Uint8Array(signature))}`;
}

/**
 * Accepts an upgrade whose `token` query parameter was issued by
 * {@linkcode signToken}; the token's user becomes the connection's user id.
 * Anything else is refused with 401.
 */
export async function authenticate(request: Request): Promise<Identity | Response> {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const dot = token.lastIndexOf(".");
  const userId = token.slice(0, dot);
  const signature = fromBase64Url(token.slice(dot + 1));
  // subtle.verify compares in constant time.
  const valid = dot > 0 && USER_ID.test(userId) && signature !== undefined &&
    await crypto.subtle.verify("HMAC", await key, signature, encoder.encode(userId));
  if (!valid) {
    return new Response("a valid 'token' query parameter is required", { status: 401 });
  }
  return { userId };
}

/** Whether `userId` may subscribe to or publish on `topic`. */
export function mayUse(userId: string, topic: string): boolean {
  return topic.startsWith("/public/") || topic.startsWith(`/user/${userId}/`);
}

/**
 * The connection hooks: topics under `/public/` are open to everyone,
 * `/user/<id>/...` to that user only. Refused subscriptions get a
 * `forbidden` error frame from the gateway; refused publishes get one here.
 */
export const hooks: GatewayHooks = {
  beforeSubscribe(tower, _context, topics) {
    const allowed = topics.filter((topic) => mayUse(tower.userId, topic));
    if (allowed.length < topics.length) {
      logger.info("subscription refused", {
        user: tower.userId,
        topics: topics.filter((topic) => !allowed.includes(topic)).join(","),
      });
    }
    return allowed;
  },
  onSubscribe(tower, _context, topics) {
    logger.info("subscribed", {
      user: tower.userId,
      client: tower.clientId,
      topics: topics.join(","),
    });
  },
  onUnsubscribe(tower, _context, topics) {
    logger.info("unsubscribed", {
      user: tower.userId,
      client: tower.clientId,
      topics: topics.join(","),
    });
  },
  onRead(tower, fire) {
    if (fire.type !== "publish") {
      tower.sendError("unknown_type", `unknown frame type '${fire.type}'`);
      return false;
    }
    const refused = fire.topic.split(",").filter((topic) => !mayUse(tower.userId, topic.trim()));
    if (refused.length > 0) {
      tower.sendError(
        "forbidden",
        `publishing to '${refused.join(",")}' is not allowed`,
        fire.topic,
      );
      return false; // not published
    }
    return true; // the gateway publishes it
  },
};
