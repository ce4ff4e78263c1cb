// A loopback server that holds every request until the test opens it: a function fetches it to wait for the test's go.

/** The gate's address and its switch. */
export interface Gate extends AsyncDisposable {
  /** What a function fetches to wait; answered `go` once the gate is open. */
  readonly url: string;
  /** Lets every waiting and later request through. */
  open(): void;
}

/** Starts a closed gate on 127.0.0.1, port 0; disposing it opens it and stops the server. */
export function gate(): Gate {
  const opened = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async () => {
      await opened.promise;
      return new Response("go");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    open: () => opened.resolve(),
    async [Symbol.asyncDispose]() {
      // Open first: a request still held would keep the server from stopping.
      opened.resolve();
      await server.shutdown();
    },
  };
}
