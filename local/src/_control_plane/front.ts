// A deployed function's URL (`/lambda-url/NAME[:ALIAS]/…`): checked as its config says, then passed to the
// function's emulator, whose URL front makes the event.
import { type ForwardedUrlRequest, forwardRequest } from "../_forward.ts";
import { SignatureRefusedError, verifySignature } from "../_sigv4.ts";
import { through } from "./inflight.ts";
import type { Call } from "./router.ts";
import { target } from "./runners.ts";
import type { Store, UrlRecord } from "./store.ts";
import { parseFunctionName } from "./wire.ts";

/** A request to a function URL; `undefined` for a name this plane did not deploy. */
export async function functionUrlRequest(
  { request, params, url, store }: Call,
) {
  const segment = params.fn!;
  const { name, qualifier } = parseFunctionName(segment, new URLSearchParams());
  const fn = store.functions.get(name);
  if (fn === undefined) return undefined;
  const config = fn.urls.get(qualifier ?? "");
  // Lambda answers a URL with no config as it answers a refused one.
  if (config === undefined) return forbidden(request);
  const forwarded = await _authorize(request, config, store);
  if (forwarded instanceof Error) {
    store.settings.log(
      `Function URL ${segment} (AWS_IAM) refused ${request.method} ${url.pathname}: ${forwarded.message}`,
    );
    return forbidden(request);
  }
  let runner;
  try {
    ({ runner } = await target(store, fn, qualifier));
  } catch {
    return Response.json({ Message: "The function is not active" }, {
      status: 503,
    });
  }
  // The function's emulator serves its URL under its bare name.
  const rest = url.pathname.slice(`/lambda-url/${segment}`.length);
  const path = `/lambda-url/${encodeURIComponent(fn.name)}${rest}`;
  return await through(
    runner,
    (to) => forwardRequest(request, to.url, path, forwarded),
  );
}

/** Lambda's answer to a function URL request it refuses, or to a URL it does not have. */
export async function forbidden(request: Request): Promise<Response> {
  await request.body?.cancel().catch(() => {});
  return Response.json({ Message: "Forbidden" }, { status: 403 });
}

/** What an `AWS_IAM` URL passes on (the body it read, the verified caller); the refusal when the signature fails. */
async function _authorize(
  request: Request,
  config: UrlRecord,
  store: Store,
): Promise<ForwardedUrlRequest | SignatureRefusedError> {
  if (config.AuthType !== "AWS_IAM") return {};
  const { credentials, region, account, now } = store.settings;
  // Read once: the signature covers the body, and the same bytes go on to the function.
  const body = new Uint8Array(await request.arrayBuffer());
  try {
    const accessKey = await verifySignature(request, {
      credentials,
      region,
      service: "lambda",
      now: now(),
      body,
    });
    return { body, authorizer: _iamAuthorizer(accessKey, account) };
  } catch (error) {
    if (error instanceof SignatureRefusedError) return error;
    throw error;
  }
}

/**
 * `requestContext.authorizer` of a signed request, as Lambda fills it for an
 * IAM user; what names the user (its id and ARN) is not known locally.
 */
function _iamAuthorizer(
  accessKey: string,
  accountId: string,
): Record<string, unknown> {
  return {
    iam: {
      accessKey,
      accountId,
      callerId: null,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: null,
      userId: null,
    },
  };
}
