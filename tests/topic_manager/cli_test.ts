import assert from "node:assert/strict";

const MAIN = new URL("../../topic_manager/main.ts", import.meta.url).pathname;

function tm(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", "--allow-sys", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Reads stdout until the ready line; returns it. */
async function readyLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text.split("\n")[0];
}

Deno.test("deno task tm prints one ready line and exits 0 on SIGTERM", async () => {
  const child = tm(["--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--secret", "s"]);
  const line = await readyLine(child);
  assert.match(
    line,
    /^firetower tm ready: cluster tcp:\/\/127\.0\.0\.1:\d+ http http:\/\/127\.0\.0\.1:\d+$/,
  );
  const httpPort = Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(line)![1]);
  const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  assert.equal(await health.text(), "ok\n");
  child.kill("SIGTERM");
  const status = await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.equal(status.code, 0);
});

Deno.test("deno task tm exits non-zero with a clear message when its port is busy", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--host", "127.0.0.1", "--port", String(port), "--http-port", "0"],
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 1);
    assert.match(
      new TextDecoder().decode(out.stderr),
      new RegExp(`Cannot start topic manager as port ${port} on 127\\.0\\.0\\.1 is already in use`),
    );
  } finally {
    busy.close();
  }
});

Deno.test("deno task tm rejects a bad flag with a message naming it", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--prot", "1"], /Unknown flag '--prot'/],
    [["--port", "seventy"], /Invalid value for 'port' from flag --port/],
    [
      ["--log-level", "loud"],
      /Invalid value for 'log-level' from flag --log-level: expected one of error, warn, info, debug/,
    ],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, ...args],
        env: { NO_COLOR: "1" },
      }).output();
      assert.equal(out.code, 2);
      assert.match(new TextDecoder().decode(out.stderr), message);
    });
  }
});
