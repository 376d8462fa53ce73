/**
 * A hooks module for the cluster tests (`--hooks tests/cluster/_count_hooks.ts`):
 * a client frame `{"type":"count","topic":"t"}` is answered with
 * `{"type":"count","topic":"t","data":N}`, N being `tower.getConnectNum(t)`,
 * the cluster-wide subscriber count. Publishes are published as usual.
 *
 * @module
 */
import type { GatewayHooks } from "../../mod.ts";

/** The connection hooks. */
export const hooks: GatewayHooks = {
  async onRead(tower, fire): Promise<boolean> {
    if (fire.type !== "count") return true;
    try {
      tower.sendFrame({
        type: "count",
        topic: fire.topic,
        data: await tower.getConnectNum(fire.topic),
      });
    } catch (error) {
      tower.sendError("internal", `count failed: ${(error as Error).message}`, fire.topic);
    }
    return false;
  },
};
