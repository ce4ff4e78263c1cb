/**
 * A Hono app served on Lambda unchanged: `serve(app.fetch)`. The same app
 * runs behind API Gateway (REST or HTTP API), an Application Load Balancer
 * or a function URL; the Lambda context and raw event are Hono's `c.env`.
 *
 * Run it locally: `deno task emulator examples/hono/main.ts`, then invoke it
 * with an HTTP event, e.g. one of `tests/fixtures/http/function_url/*.json`:
 * `curl -d @tests/fixtures/http/function_url/get_query.json http://127.0.0.1:9000/2015-03-31/functions/function/invocations`.
 *
 * @module
 */

import { Hono } from "npm:hono@4.13.19";
import { getCookie, setCookie } from "npm:hono@4.13.19/cookie";
import { type HttpInfo, serve } from "../../src/http/mod.ts";

/** The app: a few routes that show what reaches a handler. */
export const app: Hono<{ Bindings: HttpInfo }> = new Hono<
  { Bindings: HttpInfo }
>();

app.get("/", (c) => c.text("Hello from Hono on Lambda"));

app.get("/hello", (c) =>
  c.json({
    hello: c.req.query("name") ?? "world",
    tags: c.req.queries("tag") ?? [],
  }));

app.get("/hello/:name", (c) =>
  c.json({
    hello: c.req.param("name"),
    tags: c.req.queries("tag") ?? [],
    source: c.env.source,
    sourceIp: c.env.sourceIp ?? null,
    requestId: c.env.context.awsRequestId,
  }));

app.post("/echo", async (c) => c.json({ received: await c.req.json() }, 201));

app.get("/visits", (c) => {
  const visits = Number(getCookie(c, "visits") ?? "0") + 1;
  setCookie(c, "visits", String(visits), { path: "/", httpOnly: true });
  setCookie(c, "last", "hono", { path: "/" });
  return c.json({ visits });
});

app.get("/fail", () => {
  throw new Error("the database is down");
});

if (import.meta.main) serve(app.fetch);
