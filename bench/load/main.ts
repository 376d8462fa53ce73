/**
 * Load generator entry point: `deno run -A bench/load/main.ts --port 9990 --subscribers 1000`.
 * Prints exactly one JSON line (see load_result.ts) on stdout; diagnostics go to stderr; exits
 * non-zero with a message when the run could not be completed.
 *
 * @module
 */
import { runLoad } from "./coordinator.ts";
import { parseLoadOptions } from "./options.ts";

if (import.meta.main) {
  let code = 0;
  try {
    const result = await runLoad(parseLoadOptions(Deno.args));
    console.log(JSON.stringify(result));
  } catch (err) {
    console.error(`loadgen: ${(err as Error).message}`);
    code = 1;
  }
  // Timers of abandoned waits must not delay the exit.
  Deno.exit(code);
}
