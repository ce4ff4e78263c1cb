// The AWS CLI, where the machine has it (.ci/run installs it): tests that need it are ignored without it.

/** Whether `aws` is on PATH. */
export const hasAwsCli: boolean = await (async () => {
  try {
    const { code } = await new Deno.Command("sh", {
      args: ["-c", "command -v aws"],
      stdout: "null",
    }).output();
    return code === 0;
  } catch {
    return false;
  }
})();

if (!hasAwsCli) {
  console.log(
    "the AWS CLI tests are skipped: no `aws` on PATH (apt-get install awscli)",
  );
}

const knows = new Map<string, Promise<boolean>>();

/**
 * Whether this machine's `aws` has `command` (e.g. `lambda get-durable-execution-history`): its `help`
 * exits 0. Asked once per command; when it lacks it, a line says so and which AWS CLI has it.
 */
export function awsCliKnows(command: string): Promise<boolean> {
  let known = knows.get(command);
  if (known === undefined) {
    known = _knows(command);
    knows.set(command, known);
  }
  return known;
}

async function _knows(command: string): Promise<boolean> {
  if (!hasAwsCli) return false;
  const help = await new Deno.Command("aws", {
    args: [...command.split(" "), "help"],
    env: { AWS_PAGER: "", PAGER: "cat" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  if (help.code === 0) return true;
  // Old releases print their version on stderr.
  const { stdout, stderr } = await new Deno.Command("aws", {
    args: ["--version"],
  }).output();
  const version = new TextDecoder().decode(stdout.length ? stdout : stderr)
    .trim();
  console.log(
    `the tests of \`aws ${command}\` are skipped: this AWS CLI (${version}) lacks it; ` +
      `it needs a release from December 2025 on (Lambda's 2025-12-01 durable API), e.g. aws-cli 1.45 (pip install awscli), ` +
      `not Debian's awscli 2.9`,
  );
  return false;
}

/** Runs `aws <args> --endpoint-url <endpoint> --output json` with `credentials` and us-east-1, in `cwd`. */
export function awsCli(
  args: string[],
  options: {
    endpoint: string;
    cwd: string;
    credentials?: { id: string; secret: string };
  },
): Promise<Deno.CommandOutput> {
  return new Deno.Command("aws", {
    args: [...args, "--endpoint-url", options.endpoint, "--output", "json"],
    env: {
      AWS_ACCESS_KEY_ID: options.credentials?.id ?? "test",
      AWS_SECRET_ACCESS_KEY: options.credentials?.secret ?? "test",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_PAGER: "",
    },
    cwd: options.cwd,
  }).output();
}
