// The sandbox's cgroups: one shell for every cgroup file, the freezer made before the memory groups
// (a killed emulator's frozen processes are thawed before they are killed), and what they say at start.

import { CgroupShell } from "./_cgroups.ts";
import { createFreezer, type Freezer } from "./freezer.ts";
import { createMemoryLimits, type MemoryLimits } from "./memory.ts";

/** The freezer and the memory limits over one shared shell. */
export interface SandboxCgroups {
  readonly freezer: Freezer;
  readonly limits: MemoryLimits;
  /** The platform lines to write at start: groups left by a killed emulator, an unenforced limit. */
  notes(memory: number): string[];
  /** Removes the groups and ends the shell. */
  close(): Promise<void>;
}

/** Makes the freezer, then the memory limits, over one shell (none when no shell starts: they say why). */
export async function openCgroups(memory: number): Promise<SandboxCgroups> {
  const shell = _cgroupShell();
  const freezer = await createFreezer({ shell });
  const limits = await createMemoryLimits(memory, { shell });
  return {
    freezer,
    limits,
    notes: (memoryMb) => _notes(freezer, limits, memoryMb),
    async close() {
      await Promise.all([limits.close(), freezer.close()]);
      await shell?.close();
    },
  };
}

function _notes(
  freezer: Freezer,
  limits: MemoryLimits,
  memory: number,
): string[] {
  const notes: string[] = [];
  if (limits.removed.length > 0) {
    notes.push(
      `Removed ${limits.removed.length} memory cgroup(s) left by an emulator that was killed, with what still ran in them: ${
        limits.removed.join(", ")
      }`,
    );
  }
  if (freezer.removed.length > 0) {
    notes.push(
      `Removed ${freezer.removed.length} freezer cgroup(s) left by an emulator that was killed, thawing and killing what still ran in them: ${
        freezer.removed.join(", ")
      }`,
    );
  }
  if (limits.location === undefined) {
    notes.push(
      `WARNING: --memory ${memory} is not enforced here (${limits.reason}): Max Memory Used is measured, but the function is not stopped at the limit as on Lambda`,
    );
  }
  return notes;
}

/** The cgroup shell, or `undefined` (the limits and the freezer then say why) when none starts. */
function _cgroupShell(): CgroupShell | undefined {
  try {
    return new CgroupShell();
  } catch {
    return undefined;
  }
}
