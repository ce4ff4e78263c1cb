// `deno task <name> …` in a process of its own, for the tests of the tasks.
const root = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** What a task printed and how it ended. */
export interface TaskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno task -q <task> <args>` from the project's folder with `env` added to the environment. */
export async function denoTask(
  task: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TaskRun> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", task, ...args],
    cwd: root,
    env,
    stdin: "null",
  }).output();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}
