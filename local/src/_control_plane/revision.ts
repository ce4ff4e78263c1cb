// Revision ids: a write that names one refuses to act on a resource changed since.
import { PreconditionFailedException } from "./errors.ts";
import { stringOf } from "./wire.ts";

/** Refuses a body's `RevisionId` that is not `latest`, as Lambda does. */
export function assertRevision(
  body: Record<string, unknown>,
  latest: string,
): void {
  const given = stringOf(body.RevisionId);
  if (given !== undefined && given !== latest) {
    throw new PreconditionFailedException(
      "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    );
  }
}
