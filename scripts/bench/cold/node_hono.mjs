// The Hono example's app on Node, through Hono's own Lambda adapter.
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";

const app = new Hono();
app.get("/", (c) => c.text("Hello from Hono on Lambda"));
app.get("/hello", (c) =>
  c.json({
    hello: c.req.query("name") ?? "world",
    tags: c.req.queries("tag") ?? [],
  }));
app.get("/hello/:name", (c) => c.json({ hello: c.req.param("name") }));
app.post("/echo", async (c) => c.json({ received: await c.req.json() }, 201));

export const handler = handle(app);
