import assert from "node:assert/strict";
import { envName, loadOptions, OptionError, usage } from "../../config/options.ts";
import { GATEWAY_OPTIONS } from "../../gateway/cli_options.ts";

const SPEC = {
  port: { type: "integer", default: 9999, min: 0, max: 65535, doc: "port" },
  host: { type: "string", default: "0.0.0.0", doc: "host" },
  legacy: { type: "boolean", default: false, doc: "legacy" },
  broker: { type: "enum", default: "local", values: ["local", "tm"], doc: "broker" },
  tm: { type: "list", default: [], doc: "tm list" },
  "cluster-id": { type: "integer", default: 1, min: 0, max: 1023, doc: "id" },
} as const;

const file = (text: string) => () => text;

Deno.test("loadOptions() uses the defaults when nothing is given", () => {
  const options = loadOptions(SPEC, { args: [], env: {} });
  assert.deepEqual(options, {
    port: 9999,
    host: "0.0.0.0",
    legacy: false,
    broker: "local",
    tm: [],
    "cluster-id": 1,
  });
});

Deno.test("loadOptions() lets flags win over the environment, and the environment over the file", async (t) => {
  const toml = 'port = 7000\nhost = "10.0.0.1"\ncluster-id = 5\n';
  await t.step("file only", () => {
    const options = loadOptions(SPEC, {
      args: ["--config", "f.toml"],
      env: {},
      readFile: file(toml),
    });
    assert.equal(options.port, 7000);
    assert.equal(options.host, "10.0.0.1");
    assert.equal(options["cluster-id"], 5);
  });
  await t.step("environment over file", () => {
    const options = loadOptions(SPEC, {
      args: ["--config", "f.toml"],
      env: { FIRETOWER_PORT: "7001", FIRETOWER_CLUSTER_ID: "6" },
      readFile: file(toml),
    });
    assert.equal(options.port, 7001);
    assert.equal(options["cluster-id"], 6);
    assert.equal(options.host, "10.0.0.1");
  });
  await t.step("flag over environment", () => {
    const options = loadOptions(SPEC, {
      args: ["--config", "f.toml", "--port=7002", "--host", "127.0.0.1"],
      env: { FIRETOWER_PORT: "7001" },
      readFile: file(toml),
    });
    assert.equal(options.port, 7002);
    assert.equal(options.host, "127.0.0.1");
  });
  await t.step("the config file can come from the environment", () => {
    const options = loadOptions(SPEC, {
      args: [],
      env: { FIRETOWER_CONFIG: "f.toml" },
      readFile: file(toml),
    });
    assert.equal(options.port, 7000);
  });
});

Deno.test("loadOptions() parses booleans, enums and lists", () => {
  const options = loadOptions(SPEC, {
    args: ["--legacy", "--broker", "tm", "--tm", "a:1, b:2,,"],
    env: {},
  });
  assert.equal(options.legacy, true);
  assert.equal(options.broker, "tm");
  assert.deepEqual(options.tm, ["a:1", "b:2"]);
  const fromFile = loadOptions(SPEC, {
    args: ["--config", "x"],
    env: {},
    readFile: file('tm = ["c:3", "d:4"]\nlegacy = true'),
  });
  assert.deepEqual(fromFile.tm, ["c:3", "d:4"]);
  assert.equal(fromFile.legacy, true);
});

Deno.test("loadOptions() rejects bad input with a message naming the key, source and value", async (t) => {
  const cases: [string, Partial<Parameters<typeof loadOptions>[1]>, RegExp][] = [
    ["unknown flag", { args: ["--prot", "1"] }, /Unknown flag '--prot'/],
    ["flag without value", { args: ["--port"] }, /Flag '--port' needs a value/],
    ["stray argument", { args: ["9999"] }, /Unexpected argument '9999'/],
    [
      "port out of range",
      { args: ["--port", "70000"] },
      /Invalid value for 'port' from flag --port: expected an integer from 0 to 65535, got "70000"/,
    ],
    [
      "not a number in the environment",
      { args: [], env: { FIRETOWER_PORT: "abc" } },
      /'port' from environment FIRETOWER_PORT/,
    ],
    ["bad enum", { args: ["--broker", "kafka"] }, /expected one of local, tm, got "kafka"/],
    ["bad boolean", { args: ["--legacy", "maybe"] }, /expected true or false/],
    [
      "unknown key in the file",
      { args: ["--config", "f.toml"], readFile: file("colour = 1") },
      /Unknown key 'colour' in config file 'f.toml'/,
    ],
    [
      "wrong type in the file",
      { args: ["--config", "f.toml"], readFile: file('port = "x"') },
      /'port' from config file 'f.toml'/,
    ],
    [
      "unparsable file",
      { args: ["--config", "f.toml"], readFile: file("port = = 1") },
      /Cannot read config file 'f.toml'/,
    ],
  ];
  for (const [name, sources, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => loadOptions(SPEC, { args: [], env: {}, ...sources }),
        (error: unknown) => error instanceof OptionError && message.test(error.message),
      );
    });
  }
});

Deno.test("envName() and usage() describe every gateway option", () => {
  assert.equal(envName("cluster-id"), "FIRETOWER_CLUSTER_ID");
  const text = usage("deno task gateway", GATEWAY_OPTIONS);
  for (const key of Object.keys(GATEWAY_OPTIONS)) {
    assert.match(text, new RegExp(`--${key} `));
    assert.match(text, new RegExp(envName(key)));
  }
});
