// The local header before each entry's data: it must repeat the central record's name, and says where the data starts.
import type { CentralEntry } from "./_central_directory.ts";
import type { ByteSource } from "./_source.ts";
import { corrupt, u16, u32 } from "./_bytes.ts";

const _SIGNATURE = 0x04034b50;
const _SIZE = 30;

/** The offset of `entry`'s data; refuses a local header that is missing or names another file. */
export async function dataOffset(
  source: ByteSource,
  entry: CentralEntry,
): Promise<number> {
  const header = await source.read(entry.localOffset, _SIZE);
  if (u32(header, 0) !== _SIGNATURE) {
    corrupt(`has no local header for ${entry.name}`);
  }
  const nameLength = u16(header, 26);
  const name = await source.read(entry.localOffset + _SIZE, nameLength);
  if (
    name.length !== entry.nameBytes.length ||
    name.some((byte, i) => byte !== entry.nameBytes[i])
  ) corrupt(`names ${entry.name} differently in its local header`);
  return entry.localOffset + _SIZE + nameLength + u16(header, 28);
}
