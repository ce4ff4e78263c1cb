// Whether a path exists, for scripts that decide what to do next by it.

/** Whether `path` exists (anything `Deno.stat` can see). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
