// Listening beyond loopback (`--host`): a warning, and the control plane answers only SigV4-signed requests.
import {
  SignatureRefusedError,
  type SigningCredentials,
  verifySignature,
} from "./_sigv4.ts";

const _LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Whether `hostname` keeps the listeners on this machine alone. */
export function isLoopbackHost(hostname: string): boolean {
  return _LOOPBACK.has(hostname.toLowerCase());
}

/** The warning printed when the emulator listens beyond loopback. */
export function beyondLoopbackWarning(hostname: string): string {
  return `WARNING: --host ${hostname} listens beyond loopback: anyone who reaches this machine can call it. ` +
    "The control plane answers only requests signed (SigV4) with the emulator's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; " +
    "invocations and function URLs with AuthType NONE stay open to the network.";
}

/**
 * Beyond loopback, prints {@linkcode beyondLoopbackWarning}; returns why
 * the emulator cannot start there (a control plane with no key pair to
 * check signatures against), or `undefined`.
 */
export function announceHost(
  hostname: string,
  controlPlane: boolean,
  credentials: SigningCredentials | undefined,
): string | undefined {
  if (isLoopbackHost(hostname)) return undefined;
  // Node's listen throws a refused permission where it cannot be caught: asked first.
  const host = hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
  if (Deno.permissions.querySync({ name: "net", host }).state !== "granted") {
    return _notAllowed(hostname);
  }
  if (controlPlane && credentials === undefined) {
    return `--host ${hostname} with --control-plane requires signed requests: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the emulator, and sign with the same pair`;
  }
  console.error(beyondLoopbackWarning(hostname));
  return undefined;
}

/** A listen refused by the emulator's own permissions, explained; other errors as they are. */
export function explainListenError(error: unknown, hostname: string): unknown {
  if (!(error instanceof Deno.errors.NotCapable)) return error;
  return new Error(_notAllowed(hostname), { cause: error });
}

function _notAllowed(hostname: string): string {
  return `The emulator may not listen on ${hostname}: its permission set allows loopback and the wildcard addresses (0.0.0.0, ::); ` +
    `add --allow-net=${hostname} to its deno run command, or pass --host 0.0.0.0`;
}

const _OPEN = [
  /^\/2015-03-31\/functions\/[^/]+\/invocations\/?$/,
  /^\/2021-11-15\/functions\/[^/]+\/response-streaming-invocations\/?$/,
  /^\/lambda-url\//,
];

/** What {@linkcode signedOnly} checks signatures against. */
export interface SignedOnlyOptions {
  credentials?: SigningCredentials;
  /** The region signatures must name; `us-east-1` when absent. */
  region?: string;
  /** The verifier's clock; `Date.now` when absent. */
  now?: () => number;
  /** Where a refusal is logged; `console.error` when absent. */
  log?: (line: string) => void;
}

/**
 * Wraps control-plane routes so that every request but an invocation or a
 * function URL (which has its own AuthType) must carry a SigV4 signature.
 */
export function signedOnly<T extends Response | undefined>(
  options: SignedOnlyOptions,
  handler: (request: Request) => Promise<T>,
): (request: Request) => Promise<T | Response> {
  const log = options.log ?? ((line) => console.error(line));
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (_OPEN.some((open) => open.test(pathname))) {
      return await handler(request);
    }
    const signed = request.headers.has("authorization") ||
      new URL(request.url).searchParams.has("X-Amz-Signature");
    let reason: string | undefined;
    if (!signed) {
      reason =
        "the request is not signed: sign it with SigV4 (the AWS CLI and SDKs do)";
    } else {
      try {
        await verifySignature(request, {
          credentials: options.credentials,
          region: options.region ?? "us-east-1",
          service: "lambda",
          now: (options.now ?? Date.now)(),
          body: new Uint8Array(await request.clone().arrayBuffer()),
        });
      } catch (error) {
        if (!(error instanceof SignatureRefusedError)) throw error;
        reason = error.message;
      }
    }
    if (reason === undefined) return await handler(request);
    log(
      `Refused ${request.method} ${pathname} on the control plane: ${reason}`,
    );
    return Response.json(
      { Type: "User", Message: `Access denied: ${reason}` },
      {
        status: 403,
        headers: {
          "x-amzn-errortype": signed
            ? "InvalidSignatureException"
            : "MissingAuthenticationTokenException",
        },
      },
    );
  };
}

/** `handler` as is on loopback; beyond it, {@linkcode signedOnly}. `hostname` undefined: no control plane, nothing to guard. */
export function guardControlPlane<T extends Response | undefined>(
  hostname: string | undefined,
  options: SignedOnlyOptions,
  handler: (request: Request) => Promise<T>,
): (request: Request) => Promise<T | Response> {
  return hostname === undefined || isLoopbackHost(hostname)
    ? handler
    : signedOnly(options, handler);
}
