// Turning anything thrown into {errorMessage, errorType, stackTrace}, without ever throwing.
import assert from "node:assert/strict";
import { TypedError } from "../mod.ts";
import { formatError } from "../src/runtime.ts";

Deno.test("formatError", async (t) => {
  await t.step("takes an Error's name, message and stack frames", () => {
    const report = formatError(new SyntaxError("bad token"));
    assert.equal(report.errorType, "SyntaxError");
    assert.equal(report.errorMessage, "bad token");
    assert.ok(report.stackTrace.length > 0);
    assert.ok(report.stackTrace.every((line) => line.startsWith("at ")));
  });

  await t.step("uses a custom error class's name", () => {
    class OrderNotFound extends Error {
      override name = "OrderNotFound";
    }
    assert.equal(
      formatError(new OrderNotFound("42")).errorType,
      "OrderNotFound",
    );
  });

  await t.step("uses a TypedError's fixed errorType", () => {
    const report = formatError(new TypedError("Runtime.UnmarshalError", "bad"));
    assert.equal(report.errorType, "Runtime.UnmarshalError");
  });

  await t.step(
    "describes a thrown string, number, null, undefined and object",
    () => {
      assert.deepEqual(formatError("boom"), {
        errorMessage: "boom",
        errorType: "string",
        stackTrace: [],
      });
      assert.equal(formatError(7).errorMessage, "7");
      assert.equal(formatError(null).errorType, "object");
      assert.equal(formatError(null).errorMessage, "null");
      assert.equal(formatError(undefined).errorType, "undefined");
      assert.match(formatError({ code: "E1" }).errorMessage, /code: "E1"/);
    },
  );

  await t.step("survives an error whose name getter throws", () => {
    const error = new Error("inner");
    Object.defineProperty(error, "name", {
      get() {
        throw new Error("getter exploded");
      },
    });
    const report = formatError(error);
    assert.equal(report.errorType, "Error");
    assert.equal(report.errorMessage, "inner");
  });

  await t.step("survives a circular cause", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.equal(formatError(a).errorMessage, "a");
  });

  await t.step("survives a proxy that throws on every access", () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error("no");
      },
      getPrototypeOf() {
        throw new Error("no");
      },
      ownKeys() {
        throw new Error("no");
      },
    });
    const report = formatError(hostile);
    assert.equal(typeof report.errorMessage, "string");
    assert.equal(typeof report.errorType, "string");
  });

  await t.step("keeps the error type safe to send as a header", () => {
    const error = new Error("x");
    error.name = "Bad\nName\u00e9";
    assert.equal(formatError(error).errorType, "Bad_Name_");
  });

  await t.step("clips a huge message", () => {
    const report = formatError(new Error("x".repeat(1_000_000)));
    assert.ok(report.errorMessage.length < 300_000);
  });

  await t.step("treats an error-like object from elsewhere as an error", () => {
    const report = formatError({
      name: "Foreign",
      message: "m",
      stack: "Foreign: m\n    at f (x.ts:1:1)",
    });
    assert.deepEqual(report, {
      errorType: "Foreign",
      errorMessage: "m",
      stackTrace: ["at f (x.ts:1:1)"],
    });
  });
});
