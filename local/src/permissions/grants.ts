/**
 * Grants read from the function's environment at start: the default net
 * grant names `$AWS_LAMBDA_RUNTIME_API` (one `host:port`, not all of
 * loopback), `$AWS_XRAY_DAEMON_ADDRESS` and, only when `OTEL_DENO=true`, the
 * OTLP endpoint's `host:port`; the bootstrap's shell expands them, the
 * emulator does for a script. The emulator also denies the
 * function its own control ports (`--deny-net`, which beats any grant).
 *
 * @module
 */

import { DEFAULT_OTLP_ENDPOINT, OTEL_DEFAULTS } from "@rtl/lambda/runtime";

/**
 * The Runtime API's `host:port`, read from the function's environment at start.
 *
 * @example
 * ```ts
 * import { RUNTIME_API_GRANT } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(RUNTIME_API_GRANT, "$AWS_LAMBDA_RUNTIME_API");
 * ```
 */
export const RUNTIME_API_GRANT: string = "$AWS_LAMBDA_RUNTIME_API";

/**
 * The X-Ray daemon's `host:port` (UDP), read from the function's environment at start.
 *
 * @example
 * ```ts
 * import { XRAY_DAEMON_GRANT } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(XRAY_DAEMON_GRANT, "$AWS_XRAY_DAEMON_ADDRESS");
 * ```
 */
export const XRAY_DAEMON_GRANT: string = "$AWS_XRAY_DAEMON_ADDRESS";

/**
 * The variable holding the OTLP endpoint's `host:port` when `OTEL_DENO` is
 * `true`; unset otherwise. Nothing sets it from outside: the bootstrap
 * derives it from `OTEL_EXPORTER_OTLP_ENDPOINT` (default
 * `http://localhost:4318`), and {@linkcode expandGrants} does the same.
 *
 * @example
 * ```ts
 * import { OTEL_ENDPOINT_VARIABLE } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(OTEL_ENDPOINT_VARIABLE, "RTL_LAMBDA_OTEL_ENDPOINT");
 * ```
 */
export const OTEL_ENDPOINT_VARIABLE: string = "RTL_LAMBDA_OTEL_ENDPOINT";

/**
 * The OTLP endpoint's `host:port`, granted only when OpenTelemetry is on.
 *
 * @example
 * ```ts
 * import { OTEL_ENDPOINT_GRANT } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(OTEL_ENDPOINT_GRANT, "$RTL_LAMBDA_OTEL_ENDPOINT");
 * ```
 */
export const OTEL_ENDPOINT_GRANT: string = `$${OTEL_ENDPOINT_VARIABLE}`;

/**
 * The `host:port` Deno's OpenTelemetry exports to, when `OTEL_DENO` is
 * `true` in `env`: from `OTEL_EXPORTER_OTLP_ENDPOINT`, default
 * `http://localhost:4318`, the port of its scheme when it names none.
 *
 * @example
 * ```ts
 * import { otelEndpointAddress } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(otelEndpointAddress({ OTEL_DENO: "true" }), "localhost:4318");
 * assert.equal(otelEndpointAddress({}), undefined);
 * ```
 */
export function otelEndpointAddress(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (env.OTEL_DENO?.toLowerCase() !== "true") return undefined;
  try {
    const url = new URL(
      env.OTEL_EXPORTER_OTLP_ENDPOINT || DEFAULT_OTLP_ENDPOINT,
    );
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return `${url.hostname}:${port}`;
  } catch {
    return undefined;
  }
}

/**
 * The bootstrap's lines for OpenTelemetry: when `OTEL_DENO=true`, the
 * endpoint's `host:port` into {@linkcode OTEL_ENDPOINT_VARIABLE} (for the
 * net grant), each of the runtime's `OTEL_DEFAULTS` the function does not
 * set, and `OTEL_SERVICE_NAME` as the function's name when unset (as the
 * OpenTelemetry Lambda layer does); otherwise the variable is unset, whatever the environment said.
 *
 * @example
 * ```ts
 * import { otelShellLines } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(otelShellLines().join("\n"), /OTEL_DENO/);
 * ```
 */
export function otelShellLines(): string[] {
  const v = OTEL_ENDPOINT_VARIABLE;
  const defaults = Object.entries(OTEL_DEFAULTS);
  return [
    "# OpenTelemetry on (OTEL_DENO=true): grant the OTLP endpoint's host:port, export each span and log at once.",
    'case "${OTEL_DENO:-}" in [Tt][Rr][Uu][Ee])',
    `  ${v}="\${OTEL_EXPORTER_OTLP_ENDPOINT:-${DEFAULT_OTLP_ENDPOINT}}"`,
    `  case "$${v}" in https://*) rtl_port=443 ;; *) rtl_port=80 ;; esac`,
    `  ${v}="\${${v}#*://}"; ${v}="\${${v}%%/*}"; ${v}="\${${v}##*@}"`,
    `  case "$${v}" in *]:*) ;; *]) ${v}="$${v}:$rtl_port" ;; *:*) ;; *) ${v}="$${v}:$rtl_port" ;; esac`,
    ...defaults.map(([name, value]) => `  : "\${${name}:=${value}}"`),
    '  if [ -n "${AWS_LAMBDA_FUNCTION_NAME:-}" ]; then : "${OTEL_SERVICE_NAME:=$AWS_LAMBDA_FUNCTION_NAME}"; export OTEL_SERVICE_NAME; fi',
    `  export ${v} ${defaults.map(([name]) => name).join(" ")}`,
    "  ;;",
    `*) unset ${v} ;;`,
    "esac",
  ];
}

/**
 * The variable through which the emulator gives a built bootstrap the
 * addresses it must deny the function (comma-separated); the bootstrap
 * turns it into `--deny-net`.
 *
 * @example
 * ```ts
 * import { DENY_NET_VARIABLE } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DENY_NET_VARIABLE, "RTL_LAMBDA_DENY_NET");
 * ```
 */
export const DENY_NET_VARIABLE: string = "RTL_LAMBDA_DENY_NET";

const _VARIABLE = /^\$([A-Z_][A-Z0-9_]*)$/;

/**
 * The flags with each `$NAME` value replaced by the variable's value, or
 * dropped when it is unset or empty (and a flag left with no value dropped).
 *
 * @example
 * ```ts
 * import { expandGrants } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * const flags = ["--allow-net=$AWS_LAMBDA_RUNTIME_API,$AWS_XRAY_DAEMON_ADDRESS,*.amazonaws.com"];
 * assert.deepEqual(expandGrants(flags, { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" }), [
 *   "--allow-net=127.0.0.1:9001,*.amazonaws.com",
 * ]);
 * ```
 */
export function expandGrants(
  flags: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  return flags.flatMap((flag) => {
    const match = /^(--allow-[a-z]+=)(.*)$/.exec(flag);
    if (match === null || !match[2].includes("$")) return [flag];
    const values = match[2].split(",").flatMap((value) => {
      const name = _VARIABLE.exec(value)?.[1];
      if (name === undefined) return [value];
      const expanded = name === OTEL_ENDPOINT_VARIABLE
        ? otelEndpointAddress(env)
        : env[name];
      return expanded ? [expanded] : [];
    });
    return values.length > 0 ? [`${match[1]}${values.join(",")}`] : [];
  });
}

/**
 * A permission flag as one `sh` word: `$NAME` values are expanded when the
 * script runs (and left out when unset), the rest quoted.
 *
 * @example
 * ```ts
 * import { shellPermissionWord } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   shellPermissionWord("--allow-net=$AWS_LAMBDA_RUNTIME_API,*.amazonaws.com"),
 *   `"--allow-net=\${AWS_LAMBDA_RUNTIME_API:+$AWS_LAMBDA_RUNTIME_API,}*.amazonaws.com"`,
 * );
 * ```
 */
export function shellPermissionWord(flag: string): string {
  const match = /^(--allow-[a-z]+=)(.*)$/.exec(flag);
  if (match === null || !match[2].includes("$")) return _quote(flag);
  const values = match[2].split(",");
  const fixed = values.filter((value) => !_VARIABLE.test(value));
  const names = values.flatMap((value) => _VARIABLE.exec(value)?.[1] ?? []);
  // Each variable with its comma when set, then the fixed values; with none, the first variable leads (Lambda always sets it).
  const words = fixed.length > 0
    ? [
      ...names.map((name) => `\${${name}:+$${name},}`),
      _escape(fixed.join(",")),
    ]
    : [
      `$${names[0]}`,
      ...names.slice(1).map((name) => `\${${name}:+,$${name}}`),
    ];
  return `"${_escape(match[1])}${words.join("")}"`;
}

/**
 * The bootstrap script's words that deny what the emulator passes in
 * {@linkcode DENY_NET_VARIABLE}: nothing when it is unset (on Lambda).
 *
 * @example
 * ```ts
 * import { DENY_NET_WORD } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DENY_NET_WORD, '${RTL_LAMBDA_DENY_NET:+"--deny-net=$RTL_LAMBDA_DENY_NET"}');
 * ```
 */
export const DENY_NET_WORD: string =
  `\${${DENY_NET_VARIABLE}:+"--deny-net=$${DENY_NET_VARIABLE}"}`;

/**
 * The command and environment a function starts with: its `$NAME` grants
 * expanded from `env`, and `denied` addresses refused to it: as
 * `--deny-net` for a `deno run` command, and in {@linkcode DENY_NET_VARIABLE}
 * for a bootstrap.
 *
 * @example
 * ```ts
 * import { sandboxedCommand } from "./grants.ts";
 * import assert from "node:assert/strict";
 *
 * const { command } = sandboxedCommand(
 *   ["deno", "run", "--allow-net=$AWS_LAMBDA_RUNTIME_API", "main.ts"],
 *   { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" },
 *   ["127.0.0.1:9000"],
 *   "deno",
 * );
 * assert.deepEqual(command, ["deno", "run", "--deny-net=127.0.0.1:9000", "--allow-net=127.0.0.1:9001", "main.ts"]);
 * ```
 */
export function sandboxedCommand(
  command: readonly string[],
  env: Readonly<Record<string, string>>,
  denied: readonly string[],
  deno: string = Deno.execPath(),
): { command: string[]; env: Record<string, string> } {
  if (command[0] !== deno || command[1] !== "run") {
    return {
      command: [...command],
      env: denied.length > 0
        ? { ...env, [DENY_NET_VARIABLE]: denied.join(",") }
        : { ...env },
    };
  }
  const flags = expandGrants(command.slice(2), env);
  return {
    command: [
      command[0],
      "run",
      ...(denied.length > 0 ? [`--deny-net=${denied.join(",")}`] : []),
      ...flags,
    ],
    env: { ...env },
  };
}

function _escape(text: string): string {
  return text.replace(/["\\$`]/g, (char) => `\\${char}`);
}

function _quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)
    ? arg
    : `'${arg.replaceAll("'", `'\\''`)}'`;
}
