/// <reference lib="dom" />
/**
 * The chat example in a real browser: examples/chat/main.ts runs as a
 * subprocess and headless Chromium (driven by playwright-core) opens the
 * page twice. Set CHAT_SCREENSHOT=/path.png to keep a screenshot of the room.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type ChatServer, startChatServer, upgradeStatus } from "./_chat_server.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium) {
  console.warn(
    `chat e2e skipped: ${CHROMIUM} is missing (install it with 'apt-get install -y chromium')`,
  );
}

const WAIT_MS = 5_000;

/** Waits until the element's text is exactly `text`, or fails naming what it saw. */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  try {
    await page.waitForFunction(
      ([selector, text]) => document.querySelector(selector)?.textContent === text,
      [selector, text] as const,
      { timeout: WAIT_MS },
    );
  } catch {
    const seen = await page.locator(selector).textContent().catch(() => "(none)");
    assert.fail(`${page.url()}: expected ${selector} to read '${text}', it reads '${seen}'`);
  }
}

/** The chat lines shown on a page, as "from: text". */
function chatLines(page: Page): Promise<string[]> {
  return page.locator("#messages .msg").evaluateAll((lines) =>
    lines.map((line) =>
      `${line.querySelector(".from")?.textContent}: ${line.querySelector(".text")?.textContent}`
    )
  );
}

async function waitForLine(page: Page, line: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await chatLines(page)).includes(line)) {
    if (Date.now() > deadline) {
      assert.fail(`${page.url()}: '${line}' never shown; lines: ${await chatLines(page)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.click("#send");
}

async function switchRoom(page: Page, room: string): Promise<void> {
  await page.fill("#room-name", room);
  await page.click("#switch");
  await waitForText(page, "#room", `/chat/${room}`);
}

Deno.test({
  name: "chat example: two browsers share a room, its messages and its online count",
  ignore: !hasChromium,
}, async (t) => {
  let server: ChatServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startChatServer();
    const url = server.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const open = async (name: string): Promise<[BrowserContext, Page]> => {
      const context = await browser!.newContext({ viewport: { width: 720, height: 520 } });
      const page = await context.newPage();
      await page.goto(`${url}?name=${name}&room=e2e`);
      await waitForText(page, "#status", "connected");
      return [context, page];
    };

    await t.step("an upgrade without a valid name is refused with 401", async () => {
      assert.equal(await upgradeStatus(server!.port, "/ws"), 401);
      assert.equal(await upgradeStatus(server!.port, "/ws?name=no%20spaces"), 401);
    });

    const [, alice] = await open("alice");
    await waitForText(alice, "#online", "1");
    const [bobContext, bob] = await open("bob");

    await t.step("both pages count two people online", async () => {
      await waitForText(bob, "#online", "2");
      await waitForText(alice, "#online", "2");
      await waitForText(alice, "#room", "/chat/e2e");
    });

    await t.step("a message reaches both pages with its sender", async () => {
      await say(alice, "hello from alice");
      await waitForLine(alice, "alice: hello from alice");
      await waitForLine(bob, "alice: hello from alice");
      await say(bob, "hi alice!");
      await waitForLine(alice, "bob: hi alice!");
      await waitForLine(bob, "bob: hi alice!");
      const screenshot = Deno.env.get("CHAT_SCREENSHOT");
      if (screenshot) await alice.screenshot({ path: screenshot });
    });

    await t.step("an over-long message is refused with an error frame", async () => {
      await alice.evaluate(() => {
        const text = document.querySelector<HTMLInputElement>("#text")!;
        text.removeAttribute("maxlength");
        text.value = "x".repeat(501);
        document.querySelector<HTMLButtonElement>("#send")!.click();
      });
      await alice.locator("#messages .error", { hasText: "bad_message" }).waitFor({
        timeout: WAIT_MS,
      });
      assert.deepEqual(await chatLines(bob), ["alice: hello from alice", "bob: hi alice!"]);
    });

    await t.step("switching rooms moves the online count", async () => {
      await switchRoom(bob, "lobby");
      await waitForText(bob, "#online", "1");
      await waitForText(alice, "#online", "1");
      await switchRoom(bob, "e2e");
      await waitForText(bob, "#online", "2");
      await waitForText(alice, "#online", "2");
    });

    await t.step("closing a page lowers the count for the others", async () => {
      await bobContext.close();
      await waitForText(alice, "#online", "1");
    });

    await t.step("SIGTERM tells the page it is disconnected and exits 0", async () => {
      const status = await server!.terminate();
      await waitForText(alice, "#status", "disconnected");
      await alice.locator("#messages .error", { hasText: "the server is restarting" }).waitFor({
        timeout: WAIT_MS,
      });
      assert.equal(status.code, 0, server!.output());
    });
  } catch (error) {
    if (server) console.error(`chat example output:\n${server.output()}`);
    throw error;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
  }
});

Deno.test("chat example: frames over the read queue come back to their sender as 'timeout'", async () => {
  // A queue of one frame, a slow (asynchronous) moderation step and a burst
  // of publishes: whatever the connection could not take must reach the
  // read-timeout hook, which tells the sender.
  const server = await startChatServer(["--read-queue", "1", "--moderation-delay-ms", "5"]);
  let socket: WebSocket | undefined;
  try {
    socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?name=burst`, ["firetower.json"]);
    let delivered = 0;
    const timedOut: string[] = [];
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => subscribed = resolve);
    socket.addEventListener("message", (event) => {
      if (event.data === "heartbeat") return;
      const frame = JSON.parse(event.data);
      if (frame.type === "subscribed") subscribed();
      if (frame.type === "publish" && frame.data.type === "publish") delivered++;
      if (frame.type === "timeout") {
        assert.deepEqual(Object.keys(frame.data).sort(), ["data", "from", "type"]);
        assert.equal(frame.data.from, "burst");
        timedOut.push(frame.data.data);
      }
    });
    await new Promise((resolve) => socket!.addEventListener("open", resolve, { once: true }));
    socket.send(JSON.stringify({ type: "subscribe", topic: "/chat/burst" }));
    await ready;
    const total = 500;
    for (let i = 0; i < total; i++) {
      socket.send(
        JSON.stringify({ type: "publish", topic: "/chat/burst", data: { text: `m${i}` } }),
      );
    }
    const deadline = Date.now() + 10_000;
    while (delivered + timedOut.length < total && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(
      delivered + timedOut.length,
      total,
      `${delivered} delivered, ${timedOut.length} timed out`,
    );
    assert.ok(timedOut.length > 0, "no frame overflowed a read queue of 1");
    assert.match(timedOut[0], /^m\d+$/);
  } finally {
    if (socket && socket.readyState < 2) {
      const closed = new Promise((resolve) => socket!.addEventListener("close", resolve));
      socket.close();
      await closed;
    }
    await server.stop();
  }
});
