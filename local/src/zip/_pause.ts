// A turn of the event loop: long work is cut into slices so timers and requests run between them.

/** Resolves after other ready work (timers, I/O) has had its turn. */
export function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
