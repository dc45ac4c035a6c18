"""Seeds users, groups and API keys straight into a stopped server's metadata store.

Used by tests that need principals with precise grants independently of the shape of the
user/key management routes. The server must be stopped (the store keeps an in-memory copy
loaded at start-up); restart it afterwards.
"""
import hashlib
import json
import os
import sqlite3
import time


def _put(db, kind, scope, oid, data, now):
    db.execute("INSERT INTO objects(kind, scope, id, version, created, modified, data) "
               "VALUES(?, ?, ?, 1, ?, ?, ?) ON CONFLICT(kind, scope, id) DO UPDATE SET "
               "data=excluded.data, version=version+1, modified=excluded.modified",
               (kind, scope, oid, now, now, json.dumps(data)))


def seed(data_dir, users=(), groups=(), keys=()):
    """users: [{login, groups}], groups: [{name, ...globalPermissions}],
    keys: [(name, definition)] where definition is the key document without id/hash
    (e.g. {"type": "PERSONAL", "user": "bob"} or {"type": "GLOBAL", "projects": {...}}).
    Returns {name: secret} for the keys."""
    db = sqlite3.connect(os.path.join(data_dir, "metadata.sqlite"))
    now = int(time.time() * 1000)
    secrets = {}
    with db:
        for g in groups:
            _put(db, "group", "", g["name"], dict(g, sourceType="LOCAL"), now)
        for u in users:
            _put(db, "user", "", u["login"],
                 {"login": u["login"], "displayName": u.get("displayName", u["login"]),
                  "enabled": True, "sourceType": "LOCAL", "userProfile": "DESIGNER",
                  "groups": list(u.get("groups", [])), "creationDate": now}, now)
        for name, definition in keys:
            secret = "seed-%s-%s" % (name, os.urandom(8).hex())
            key_id = "seed_" + name
            h = hashlib.sha256(("dssd-api-key:" + secret).encode()).hexdigest()
            d = {"id": key_id, "label": name, "hash": h, "createdOn": now}
            d.update(definition)
            _put(db, "api_key", "", key_id, d, now)
            _put(db, "api_key_hash", "", h, {"id": key_id}, now)
            secrets[name] = secret
    db.close()
    return secrets
