// Turning what a handler throws into the Runtime API's error report.
import { TypedError } from "../../mod.ts";
import { formatError } from "../../src/runtime.ts";

function _nested(depth: number): Error {
  if (depth === 0) {
    return new TypeError("Cannot read properties of undefined (reading 'id')");
  }
  return _nested(depth - 1);
}

const error = _nested(8);
const typed = new TypedError(
  "Runtime.UnmarshalError",
  "The event is not valid JSON",
);
const thrownObject = {
  code: 42,
  reason: "not an Error",
  details: { retry: false },
};

Deno.bench("formatError(Error with a 10-frame stack)", {
  group: "errors",
  baseline: true,
}, () => {
  formatError(error);
});

Deno.bench("formatError(TypedError)", { group: "errors" }, () => {
  formatError(typed);
});

Deno.bench("formatError(string)", { group: "errors" }, () => {
  formatError("boom");
});

Deno.bench("formatError(plain object)", { group: "errors" }, () => {
  formatError(thrownObject);
});

Deno.bench("formatError + JSON.stringify (what /error sends)", {
  group: "errors",
}, () => {
  JSON.stringify(formatError(error));
});
