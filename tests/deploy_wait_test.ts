// The deploy's wait: polls GetFunctionConfiguration on an injected delay until Active and Successful.
import assert from "node:assert/strict";
import type { LambdaClient } from "npm:@aws-sdk/client-lambda@3.1164.0";
import { waitUntilReady } from "../scripts/deploy/wait.ts";
import { DeployError } from "../scripts/deploy/errors.ts";

/** A client whose GetFunctionConfiguration answers `states` in turn. */
function answering(states: Record<string, string>[]): LambdaClient {
  let call = 0;
  return {
    send: () => Promise.resolve(states[Math.min(call++, states.length - 1)]),
  } as unknown as LambdaClient;
}

Deno.test("the deploy waits on its injected delay until Active and Successful", async (t) => {
  await t.step(
    "it polls while Pending and InProgress, sleeping between polls: soon at first, backing off",
    async () => {
      const sleeps: number[] = [];
      const ready = await waitUntilReady(
        answering([
          { State: "Pending" },
          { State: "Active", LastUpdateStatus: "InProgress" },
          {
            State: "Active",
            LastUpdateStatus: "Successful",
            FunctionName: "f",
          },
        ]),
        "f",
        { attempts: 5, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
      );
      assert.equal(ready.FunctionName, "f");
      assert.deepEqual(sleeps, [100, 200]);
    },
  );

  await t.step(
    "a Failed state is a DeployError with Lambda's reason",
    async () => {
      await assert.rejects(
        waitUntilReady(
          answering([{ State: "Failed", StateReason: "bad zip" }]),
          "f",
          { attempts: 5, sleep: () => Promise.resolve() },
        ),
        (error: unknown) =>
          error instanceof DeployError && /bad zip/.test(error.message),
      );
    },
  );

  await t.step(
    "a function never ready is a DeployError after the attempts",
    async () => {
      let polls = 0;
      await assert.rejects(
        waitUntilReady(
          {
            send: () => {
              polls++;
              return Promise.resolve({ State: "Pending" });
            },
          } as unknown as LambdaClient,
          "f",
          { attempts: 3, sleep: () => Promise.resolve() },
        ),
        (error: unknown) =>
          error instanceof DeployError && /after 3 checks/.test(error.message),
      );
      assert.equal(polls, 3);
    },
  );
});
