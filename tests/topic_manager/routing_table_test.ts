import assert from "node:assert/strict";
import { RoutingTable } from "../../topic_manager/routing_table.ts";

Deno.test("a second gateway on an existing topic is registered (the Go manager's bug)", () => {
  const table = new RoutingTable();
  table.set("a", "news", 1);
  table.set("b", "news", 2);
  assert.deepEqual([...table.targets("news")].sort(), ["a", "b"]);
  assert.equal(table.count("news"), 3);
});

Deno.test("targets never include the publishing gateway", () => {
  const table = new RoutingTable();
  table.set("a", "t", 1);
  table.set("b", "t", 1);
  assert.deepEqual([...table.targets("t", "a")], ["b"]);
  assert.deepEqual([...table.targets("missing", "a")], []);
});

Deno.test("the latest count wins and zero removes the route", async (t) => {
  const table = new RoutingTable();
  await t.step("counts are replaced, not added", () => {
    table.set("a", "t", 5);
    table.set("a", "t", 2);
    assert.equal(table.count("t"), 2);
    assert.equal(table.countOf("a", "t"), 2);
  });
  await t.step("zero drops the gateway and an empty topic disappears", () => {
    table.set("a", "t", 0);
    assert.equal(table.has("t"), false);
    assert.equal(table.size, 0);
    assert.equal(table.topicsOf("a"), 0);
  });
  await t.step("zero for a route that never existed is a no-op", () => {
    table.set("z", "never", 0);
    assert.equal(table.size, 0);
  });
});

Deno.test("removing a gateway drops all its routes and keeps the others", () => {
  const table = new RoutingTable();
  table.set("a", "x", 1);
  table.set("a", "y", 4);
  table.set("b", "y", 1);
  assert.equal(table.removeGateway("a"), 2);
  assert.equal(table.has("x"), false);
  assert.equal(table.count("y"), 1);
  assert.deepEqual([...table.targets("y")], ["b"]);
  assert.equal(table.removeGateway("a"), 0);
});

Deno.test("topics() lists subscriber totals, most first, ties by name", () => {
  const table = new RoutingTable();
  table.set("a", "small", 1);
  table.set("a", "big", 3);
  table.set("b", "big", 4);
  table.set("b", "also-small", 1);
  assert.deepEqual(table.topics(), [
    { topic: "big", subscribers: 7 },
    { topic: "also-small", subscribers: 1 },
    { topic: "small", subscribers: 1 },
  ]);
});
