/**
 * WebSocket close codes the gateway uses. Codes 4000-4999 are Firetower's
 * own; clients can tell from them whether reconnecting makes sense.
 */
export const CloseCode = {
  /** The client or the application closed normally. */
  normal: 1000,
  /** The gateway is shutting down; reconnect (to another gateway). */
  serviceRestart: 1012,
  /** A frame was larger than the gateway accepts. */
  messageTooBig: 1009,
  /** The connection's handler kept failing; reconnecting may help. */
  internalError: 1011,
  /** The client did not read its messages fast enough and fell too far behind. */
  slowConsumer: 4000,
  /** The application refused the connection (the connect hook returned false). */
  refused: 4001,
  /** The server disconnected this user (`disconnectUser` or `tower.close()`). */
  disconnected: 4002,
} as const;
