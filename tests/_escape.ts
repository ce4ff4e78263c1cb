// What a function under the emulator reaches from inside its sandbox: the escape fixture tries URLs and answers how each attempt ended.
import assert from "node:assert/strict";
import { fixture } from "./_emulator.ts";

/** The fixture that tries each URL of its event: the HTTP status, or the error's name (NotCapable when refused). */
export const escapeEntry = fixture("fixtures/escape_function.ts");

/** The emulator's own addresses at `url`, as a function would try them. */
export function ownUrls(url: string): string[] {
  const port = new URL(url).port;
  return ["127.0.0.1", "localhost", "0.0.0.0"].flatMap((host) => [
    `http://${host}:${port}/2015-03-31/functions`,
    `http://${host}:${port}/2015-03-31/functions/function/invocations`,
  ]);
}

/** Invokes the escape fixture at the emulator `url` with `urls`; how each attempt ended, by URL. */
export async function tryAll(
  url: string,
  urls: string[],
): Promise<Record<string, string>> {
  const response = await fetch(
    `${url}/2015-03-31/functions/function/invocations`,
    {
      method: "POST",
      body: JSON.stringify(urls),
    },
  );
  assert.equal(response.status, 200);
  return await response.json();
}
