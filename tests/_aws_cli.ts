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
