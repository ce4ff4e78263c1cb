/**
 * An order workflow as a Lambda durable function, written with AWS's SDK
 * (`@aws/durable-execution-sdk-js`) unchanged and run by `run()`: a payment
 * step that fails twice and succeeds on its third attempt (a retry
 * strategy), a cooling-off wait of three days, a manager's approval that
 * arrives as a callback, and the items packed in parallel (`context.map`).
 *
 * Each completed step is checkpointed; after a wait or a callback, Lambda
 * invokes the function again and the SDK replays it from its checkpoints.
 * See README.md for running it on the local Lambda with waits skipped.
 *
 * @module
 */

import {
  createRetryStrategy,
  type DurableContext,
  withDurableExecution,
} from "npm:@aws/durable-execution-sdk-js@2.4.0";
import { run } from "../../mod.ts";

/** The order the execution starts with. */
export interface Order {
  /** The order's id. */
  id: string;
  /** What to pack. */
  items: string[];
  /** The amount to charge. */
  total: number;
}

/** What the manager sends back through the callback. */
export interface Approval {
  /** Whether the order may ship. */
  approved: boolean;
  /** Who decided. */
  by?: string;
}

/** How the order ended. */
export interface OrderResult {
  /** The order's id. */
  id: string;
  /** Shipped, or rejected by the manager. */
  status: "shipped" | "rejected";
  /** The payment's reference. */
  payment: string;
  /** Who approved it. */
  approvedBy?: string;
  /** One line per packed item. */
  packed?: string[];
}

/** The payment provider: refuses the first two attempts (a flaky network, say), accepts the third. */
function charge(order: Order, attempt: number): Promise<string> {
  if (attempt < 3) {
    return Promise.reject(
      new Error(`payment provider unavailable (attempt ${attempt})`),
    );
  }
  return Promise.resolve(`pay-${order.id}-${order.total}`);
}

/** The workflow: each `context` call is a checkpointed operation. */
export async function orderWorkflow(
  order: Order,
  context: DurableContext,
): Promise<OrderResult> {
  const payment = await context.step(
    "charge-card",
    (step) => charge(order, step.attempt),
    {
      retryStrategy: createRetryStrategy({
        maxAttempts: 5,
        initialDelay: { seconds: 2 },
        backoffRate: 2,
      }),
    },
  );
  // Three days in which the customer may still cancel; the function is not running (nor billed) meanwhile.
  await context.wait("cooling-off", { days: 3 });
  // The callback's result arrives as the text it was sent with.
  const answer = await context.waitForCallback(
    "manager-approval",
    (callbackId) => {
      // A real workflow would email or message this id; here the log says how to answer it.
      context.logger.info(
        `approve with: deno task invoke --callback-success ${callbackId} --data '{"approved":true,"by":"manager"}'`,
      );
      return Promise.resolve();
    },
    { timeout: { days: 7 } },
  );
  const approval = JSON.parse(answer) as Approval;
  if (!approval.approved) return { id: order.id, status: "rejected", payment };
  const packed = await context.map(
    "pack",
    order.items,
    (itemContext, item) =>
      itemContext.step(`pack-${item}`, () => Promise.resolve(`${item} packed`)),
  );
  return {
    id: order.id,
    status: "shipped",
    payment,
    approvedBy: approval.by,
    packed: packed.getResults(),
  };
}

if (import.meta.main) run(withDurableExecution(orderWorkflow));
