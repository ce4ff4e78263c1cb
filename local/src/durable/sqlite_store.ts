// Durable executions on disk: an embedded SQLite database (node:sqlite), so a restart loses no checkpoint.
import { DatabaseSync } from "node:sqlite";
import { type ExecutionRecord, headerOf, recordOf } from "./record.ts";
import type { HistoryEvent, Operation } from "./types.ts";

/** Where executions are kept; `save` writes a record's header, changed operations and new events at once. */
export interface DurableStore {
  /** Every execution kept. */
  loadAll(): ExecutionRecord[];
  /** Writes the record's header, the operations named, and its events from `fromEvent` on, in one transaction. */
  save(
    record: ExecutionRecord,
    operations: Iterable<string>,
    fromEvent: number,
  ): void;
  /** Forgets an execution (its retention ended). */
  remove(arn: string): void;
  /** Closes the database. */
  close(): void;
}

const _SCHEMA = `
CREATE TABLE IF NOT EXISTS executions (arn TEXT PRIMARY KEY, header TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
  arn TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (arn, id));
CREATE TABLE IF NOT EXISTS events (
  arn TEXT NOT NULL, event_id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (arn, event_id));
`;

/** Opens (or creates) the database file `path`; `:memory:` keeps nothing across restarts. */
export function openSqliteStore(path: string): DurableStore {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(_SCHEMA);
  const putExecution = db.prepare(
    "INSERT OR REPLACE INTO executions (arn, header) VALUES (?, ?)",
  );
  const putOperation = db.prepare(
    `INSERT INTO operations (arn, id, seq, data) VALUES (?, ?, ?, ?)
     ON CONFLICT (arn, id) DO UPDATE SET data = excluded.data`,
  );
  const putEvent = db.prepare(
    "INSERT OR REPLACE INTO events (arn, event_id, data) VALUES (?, ?, ?)",
  );
  return {
    loadAll() {
      const rows = db.prepare("SELECT arn, header FROM executions").all();
      return rows.map((row) => {
        const arn = row.arn as string;
        const operations = db.prepare(
          "SELECT data FROM operations WHERE arn = ? ORDER BY seq",
        ).all(arn).map((r) => JSON.parse(r.data as string) as Operation);
        const events = db.prepare(
          "SELECT data FROM events WHERE arn = ? ORDER BY event_id",
        ).all(arn).map((r) => JSON.parse(r.data as string) as HistoryEvent);
        return recordOf(
          JSON.parse(row.header as string),
          operations,
          events,
        );
      });
    },
    save(record, operations, fromEvent) {
      db.exec("BEGIN");
      try {
        putExecution.run(record.arn, JSON.stringify(headerOf(record)));
        const order = [...record.operations.keys()];
        for (const id of operations) {
          const op = record.operations.get(id);
          if (op === undefined) continue;
          putOperation.run(
            record.arn,
            id,
            order.indexOf(id),
            JSON.stringify(op),
          );
        }
        for (const event of record.events.slice(fromEvent)) {
          putEvent.run(record.arn, event.EventId, JSON.stringify(event));
        }
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    remove(arn) {
      for (const table of ["executions", "operations", "events"]) {
        db.prepare(`DELETE FROM ${table} WHERE arn = ?`).run(arn);
      }
    },
    close: () => db.close(),
  };
}
