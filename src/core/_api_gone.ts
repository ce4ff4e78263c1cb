// Telling "the Runtime API is gone" (nothing listens: the platform died) from a passing fault.

/** Whether `error`, or an error in its `cause` chain, is a refused TCP connection. */
export function isConnectionRefused(error: unknown): boolean {
  for (let at = error, depth = 0; at !== undefined && depth < 8; depth++) {
    if (at instanceof Deno.errors.ConnectionRefused) return true;
    if (!(at instanceof Error)) return false;
    if (/connection refused|ECONNREFUSED|os error 111/i.test(at.message)) {
      return true;
    }
    at = at.cause;
  }
  return false;
}

/** Resolves false only when a TCP connection to `host` ("host:port") is refused. */
export async function tcpReachable(host: string): Promise<boolean> {
  const at = host.lastIndexOf(":");
  const port = Number(host.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) return true;
  const hostname = host.slice(0, at).replace(/^\[|\]$/g, "");
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return true;
  } catch (error) {
    return !isConnectionRefused(error);
  }
}
