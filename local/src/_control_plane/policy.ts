// AddPermission: the statement is kept and answered; no policy is evaluated locally.
import { ResourceConflictException } from "./errors.ts";
import type { Call } from "./router.ts";
import { jsonResponse, readJson, stringOf } from "./wire.ts";

/** AddPermission. */
export async function addPermission({ request, params, url, store }: Call) {
  const { fn } = store.find(params.fn!, url.searchParams);
  const body = await readJson(request);
  const id = stringOf(body.StatementId) ?? crypto.randomUUID();
  if (fn.policy.has(id)) {
    throw new ResourceConflictException(
      `The statement id (${id}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
    );
  }
  const statement = {
    Sid: id,
    Effect: "Allow",
    Principal: body.Principal,
    Action: body.Action,
    Resource: fn.arn,
  };
  fn.policy.set(id, statement);
  return jsonResponse({ Statement: JSON.stringify(statement) }, 201);
}
