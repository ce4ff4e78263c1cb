// The cost of one log call in Text and JSON format: attribution, formatting and UTF-8 encoding, short of the write syscall.
import type { LogFormat } from "../../src/logging/_format.ts";
import {
  createLambdaLogger,
  type LambdaLogger,
  withLogAttribution,
} from "../../src/logging/lambda_logger.ts";

const encoder = new TextEncoder();
let written = 0;

function logger(format: LogFormat, level?: string): LambdaLogger {
  return createLambdaLogger({
    format,
    level,
    // What writeToStdio does before its writeSync: encode the line.
    sink: (record) => {
      written += encoder.encode(record + "\n").length;
    },
  });
}

const text = logger("Text");
const json = logger("JSON");
const filtered = logger("JSON", "WARN");
const attribution = {
  requestId: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
  tenantId: "blue",
};
const order = {
  orderId: 42,
  items: [{ sku: "A-1", quantity: 2 }, { sku: "B-7", quantity: 1 }],
  total: 31.5,
};
const error = new TypeError("Cannot read properties of undefined");

for (const [format, target] of [["Text", text], ["JSON", json]] as const) {
  Deno.bench(`${format}: logger.info(message, fields)`, {
    group: `${format} per call`,
    baseline: true,
  }, () => {
    withLogAttribution(attribution, () => {
      target.info("order placed", { orderId: 42, total: 31.5 });
    });
  });

  Deno.bench(`${format}: console-style printf`, {
    group: `${format} per call`,
  }, () => {
    withLogAttribution(attribution, () => {
      target.log("INFO", "%s has %d items", "cart", 3);
    });
  });

  Deno.bench(`${format}: an object`, { group: `${format} per call` }, () => {
    withLogAttribution(attribution, () => {
      target.log("INFO", order);
    });
  });

  Deno.bench(`${format}: text and an Error`, {
    group: `${format} per call`,
  }, () => {
    withLogAttribution(attribution, () => {
      target.log("ERROR", "failed", error);
    });
  });
}

Deno.bench("JSON: a call below AWS_LAMBDA_LOG_LEVEL", {
  group: "filtered",
}, () => {
  filtered.debug("not written", { orderId: 42 });
});

Deno.bench("attribution scope alone (withLogAttribution)", {
  group: "filtered",
}, () => {
  withLogAttribution(attribution, () => written);
});
