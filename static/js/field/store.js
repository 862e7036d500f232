/* Voces field app: what the phone keeps, in IndexedDB.

   "signatures": one record per signature collected, keyed by its client_id, until the server
   has answered for it (created or duplicate); a rejected one stays, with the server's reasons,
   to be corrected or dropped. "meta": the campaigns as last fetched, the campaign chosen, the
   last sync's outcome. */

const DB_NAME = "voces-field";
const DB_VERSION = 1;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("aborted"));
  });
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  static async open(name = DB_NAME) {
    const request = indexedDB.open(name, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("signatures")) {
        const signatures = db.createObjectStore("signatures", { keyPath: "client_id" });
        signatures.createIndex("user", "user");
      }
      if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
    };
    const db = await promised(request);
    // Another tab opened a newer version of the app: let it upgrade, this one reloads.
    db.onversionchange = () => {
      db.close();
      location.reload();
    };
    return new Store(db);
  }

  async all() {
    const tx = this.db.transaction("signatures", "readonly");
    const rows = await promised(tx.objectStore("signatures").getAll());
    return rows.sort((a, b) => (a.collected_at < b.collected_at ? -1 : 1));
  }

  async get(clientId) {
    const tx = this.db.transaction("signatures", "readonly");
    return promised(tx.objectStore("signatures").get(clientId));
  }

  /** Resolves once the record is on disk (the transaction completed), not before. */
  async put(record) {
    const tx = this.db.transaction("signatures", "readwrite", { durability: "strict" });
    tx.objectStore("signatures").put(record);
    await done(tx);
  }

  async remove(clientId) {
    const tx = this.db.transaction("signatures", "readwrite", { durability: "strict" });
    tx.objectStore("signatures").delete(clientId);
    await done(tx);
  }

  /** The server's answers for a batch, in one transaction: a signature it took (created, or
      a duplicate of someone who had signed) leaves the phone; a rejected one stays, with its
      reasons. An item the answer does not mention stays as it was. */
  async settle(answers) {
    const tx = this.db.transaction("signatures", "readwrite", { durability: "strict" });
    const signatures = tx.objectStore("signatures");
    for (const answer of answers) {
      if (answer.result === "created" || answer.result === "duplicate") {
        signatures.delete(answer.client_id);
      } else if (answer.result === "rejected" && answer.record) {
        signatures.put({
          ...answer.record,
          state: "rejected",
          errors: answer.errors || {},
          rejected_at: new Date().toISOString(),
        });
      }
    }
    await done(tx);
  }

  async meta(key, fallback = null) {
    const tx = this.db.transaction("meta", "readonly");
    const row = await promised(tx.objectStore("meta").get(key));
    return row ? row.value : fallback;
  }

  async setMeta(key, value) {
    const tx = this.db.transaction("meta", "readwrite");
    tx.objectStore("meta").put({ key, value });
    await done(tx);
  }
}
