// Function URLs on the emulator: plain HTTP from curl and a headless browser becomes a 2.0 event, the result the response.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { gate } from "./_gate.ts";
import { tail } from "./_text_tail.ts";
import { chromium, headless } from "./_chromium.ts";

const decoder = new TextDecoder();

interface CurlAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Runs curl (a real HTTP client process) and splits its `-i` output. */
async function curl(...args: string[]): Promise<CurlAnswer> {
  const { stdout, success } = await new Deno.Command("curl", {
    args: ["-s", "-i", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(success, "curl failed");
  let end = 0;
  while (
    !(stdout[end] === 13 && stdout[end + 1] === 10 && stdout[end + 2] === 13 &&
      stdout[end + 3] === 10)
  ) end++;
  const [statusLine, ...lines] = decoder.decode(stdout.subarray(0, end)).split(
    "\r\n",
  );
  const headers = new Headers();
  for (const line of lines) {
    const at = line.indexOf(":");
    headers.append(line.slice(0, at), line.slice(at + 1).trim());
  }
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: stdout.subarray(end + 4),
  };
}

Deno.test("function URLs: plain HTTP requests under the emulator", async (t) => {
  await using emulator = await emulate(
    fixture("fixtures/function_url_function.ts"),
  );

  await t.step(
    "the request reaches the function as a payload 2.0 event",
    async () => {
      const answer = await curl(
        "-H",
        "X-Custom: One",
        "-H",
        "Content-Type: application/json",
        "-A",
        "front-test/1",
        "-b",
        "a=1; b=2",
        "--data-binary",
        '{"x":1}',
        `${emulator.url}/lambda-url/function/event?tag=a&tag=b&q=1`,
      );
      assert.equal(answer.status, 200);
      const event = JSON.parse(decoder.decode(answer.body));
      assert.equal(event.version, "2.0");
      assert.equal(event.rawPath, "/event");
      assert.equal(event.rawQueryString, "tag=a&tag=b&q=1");
      assert.deepEqual(event.queryStringParameters, { tag: "a,b", q: "1" });
      assert.deepEqual(event.cookies, ["a=1", "b=2"]);
      assert.equal(event.headers["x-custom"], "One");
      assert.equal(event.headers.cookie, undefined);
      assert.equal(event.requestContext.http.method, "POST");
      assert.equal(event.requestContext.http.path, "/event");
      assert.equal(event.requestContext.http.sourceIp, "127.0.0.1");
      assert.equal(event.requestContext.http.userAgent, "front-test/1");
      assert.equal(
        event.requestContext.domainName,
        "function.lambda-url.localhost",
      );
      assert.equal(event.headers.host, new URL(emulator.url).host);
      assert.equal(typeof event.requestContext.timeEpoch, "number");
      assert.equal(event.isBase64Encoded, false);
      assert.equal(event.body, '{"x":1}');
    },
  );

  await t.step(
    "the root serves the one function, and a binary body arrives base64",
    async () => {
      const answer = await curl(
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        "\u0001\u0002",
        `${emulator.url}/event`,
      );
      const event = JSON.parse(decoder.decode(answer.body));
      assert.equal(event.rawPath, "/event");
      assert.equal(event.isBase64Encoded, true);
      assert.equal(atob(event.body), "\u0001\u0002");
    },
  );

  await t.step(
    "a structured result sets status, headers and each cookie",
    async () => {
      const answer = await curl(`${emulator.url}/structured`);
      assert.equal(answer.status, 418);
      assert.equal(answer.headers.get("x-kind"), "teapot");
      assert.deepEqual(answer.headers.getSetCookie(), [
        "a=1; Path=/",
        "b=2; HttpOnly",
      ]);
      assert.equal(decoder.decode(answer.body), "short and stout");
    },
  );

  await t.step("a base64 body is decoded", async () => {
    const answer = await curl(`${emulator.url}/binary`);
    assert.deepEqual([...answer.body], [0, 1, 2, 255]);
  });

  await t.step("a result without statusCode is a 200 JSON body", async () => {
    const answer = await curl(`${emulator.url}/plain`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-type"), "application/json");
    assert.deepEqual(JSON.parse(decoder.decode(answer.body)), {
      plain: true,
      n: 1,
    });
  });

  await t.step("a function error is a 502 Internal Server Error", async () => {
    const answer = await curl(`${emulator.url}/fail`);
    assert.equal(answer.status, 502);
    assert.deepEqual(JSON.parse(decoder.decode(answer.body)), {
      Message: "Internal Server Error",
    });
  });

  await t.step("another function's URL is refused", async () => {
    const answer = await curl(`${emulator.url}/lambda-url/other/event`);
    assert.equal(answer.status, 403);
  });

  await t.step("the invoke API keeps its own paths", async () => {
    const answer = await curl(`${emulator.url}/2015-03-31/functions/function`);
    assert.equal(answer.status, 404);
    assert.match(decoder.decode(answer.body), /Invoke the function with POST/);
  });
});

Deno.test("function URLs: a streaming function reaches curl as it produces", async () => {
  await using emulator = await emulate(
    fixture("fixtures/function_url_streaming.ts"),
  );
  await using release = gate();
  const child = new Deno.Command("curl", {
    args: [
      "-s",
      "-N",
      "-i",
      `${emulator.url}/lambda-url/function/s?release=${release.url}`,
    ],
    stdout: "piped",
  }).spawn();
  const stdout = tail(child.stdout);
  await stdout.match(/first;/);
  assert.ok(
    !stdout.text.includes("second;"),
    "the second chunk came before its release",
  );
  assert.match(stdout.text, /^HTTP\/1\.1 201/);
  assert.match(stdout.text, /x-streamed: yes/i);
  assert.match(stdout.text, /set-cookie: s=1/i);
  release.open();
  assert.ok((await stdout.ended()).endsWith("first;second;"));
  assert.ok((await child.status).success);
});

Deno.test({
  name: "function URLs: headless Chromium loads the Hono example's pages" +
    (chromium === undefined
      ? " (ignored: chromium is not installed; apt-get install -y chromium)"
      : ""),
  ignore: chromium === undefined,
  async fn(t) {
    await using emulator = await emulate(
      new URL("../examples/hono/main.ts", import.meta.url).pathname,
      { denoFlags: ["--allow-read"] },
    );
    const dom = (path: string) =>
      headless(`${emulator.url}${path}`, ["--dump-dom"]);
    await t.step("the root page renders Hono's text", async () => {
      assert.match(
        await dom("/"),
        /<body>.*Hello from Hono on Lambda.*<\/body>/s,
      );
    });
    await t.step(
      "a route with a path parameter and a query renders its JSON",
      async () => {
        const page = await dom("/lambda-url/function/hello/Ada?tag=x");
        assert.match(page, /"hello":"Ada"/);
        assert.match(page, /"tags":\["x"\]/);
        assert.match(page, /"source":"function-url"/);
      },
    );
  },
});
