// Operations a handler replays, in pages: GetDurableExecutionState and the invocation's first page.
import type { ExecutionRecord } from "./record.ts";
import type { Operation } from "./types.ts";
import { invalid } from "./errors.ts";

/** The operations a replay sees: children of a closed context are left out unless it replays them. */
export function visibleOperations(record: ExecutionRecord): Operation[] {
  const hidden = new Set<string>();
  const visible: Operation[] = [];
  for (const op of record.operations.values()) {
    const parent = op.ParentId === undefined
      ? undefined
      : record.operations.get(op.ParentId);
    // Under a hidden operation everything is hidden too.
    if (
      (parent !== undefined && hidden.has(parent.Id)) ||
      (parent?.Type === "CONTEXT" &&
        (parent.Status === "SUCCEEDED" || parent.Status === "FAILED") &&
        !parent.ContextDetails?.ReplayChildren)
    ) {
      hidden.add(op.Id);
      continue;
    }
    visible.push(op);
  }
  return visible;
}

/** One page from `marker` (an offset Lambda treats as opaque) of at most `maxItems`. */
export function page(
  record: ExecutionRecord,
  marker: string | undefined,
  maxItems: number,
): { Operations: Operation[]; NextMarker?: string } {
  const all = visibleOperations(record);
  const from = marker === undefined || marker === "" ? 0 : Number(marker);
  if (!Number.isInteger(from) || from < 0 || from > all.length) {
    throw invalid("Invalid Marker");
  }
  const end = Math.min(all.length, from + maxItems);
  return {
    Operations: all.slice(from, end),
    NextMarker: end < all.length ? String(end) : undefined,
  };
}
