"""dataiku.Dataset: read and write dataset data through dssd.

Reads stream GET .../data/?format=tsv-excel-noheader (then finish-streaming to detect a
failure mid-stream); writes stream PUT .../data/?format=tsv-excel-noheader as a chunked body,
so neither side holds the whole data in memory.
"""
import csv
import io
import os
import queue
import threading
import uuid

from dataiku.core import intercom
from dataiku.core.intercom import DataikuException
from dataiku.core import schema as schema_mod

_CHUNK_ROWS = 20000


def _split_name(name, project_key):
    if project_key:
        return project_key, name
    if "." in name:
        pk, n = name.split(".", 1)
        return pk, n
    return intercom.default_project_key(), name


class Dataset(object):
    """A dataset of a project: Dataset("name") in the current project, or Dataset("PROJ.name")."""

    def __init__(self, name, project_key=None, ignore_flow=False):
        self.project_key, self.short_name = _split_name(name, project_key)
        self.name = "%s.%s" % (self.project_key, self.short_name)
        self.full_name = self.name
        self.read_partitions = None
        self.writePartition = None

    def __repr__(self):
        return "dataiku.Dataset(%r)" % self.name

    @property
    def _path(self):
        return "/projects/%s/datasets/%s" % (intercom.quote(self.project_key), intercom.quote(self.short_name))

    # ---- definition and schema ----
    def get_config(self):
        """The dataset definition (as GET /projects/{pk}/datasets/{name} returns it)."""
        return intercom.json_call("GET", self._path)

    def read_schema(self, raise_if_empty=True):
        """The schema columns: a list of {name, type, ...} dicts."""
        cols = (intercom.json_call("GET", self._path + "/schema") or {}).get("columns", [])
        if raise_if_empty and not cols:
            raise DataikuException("No column in schema of %s. Have you set up the schema for this dataset?" % self.name)
        return cols

    def write_schema(self, columns, drop_and_create=False):
        """Sets the schema: `columns` is a list of {name, type} dicts."""
        cols = [{"name": c["name"], "type": c.get("type", "string")} for c in columns]
        intercom.json_call("PUT", self._path + "/schema", body={"columns": cols, "userModified": False})

    def write_schema_from_dataframe(self, df, drop_and_create=False):
        """Sets the schema from a pandas DataFrame's columns and dtypes."""
        self.write_schema([{"name": str(c), "type": schema_mod.dss_type_of_dtype(df[c].dtype)}
                           for c in df.columns])

    def set_write_partition(self, spec):
        self.writePartition = spec

    def add_read_partitions(self, spec):
        if self.read_partitions is None:
            self.read_partitions = []
        self.read_partitions.append(spec)

    def list_partitions(self):
        return intercom.json_call("GET", self._path + "/partitions")

    # ---- reading ----
    def _open_stream(self, columns=None, limit=None):
        session_id = str(uuid.uuid4())
        params = {"format": "tsv-excel-noheader", "readSessionId": session_id}
        if columns:
            params["columns"] = ",".join(columns)
        if limit is not None:
            params["limit"] = int(limit)
        if self.read_partitions:
            params["partitions"] = list(self.read_partitions)
        resp = intercom.request("GET", self._path + "/data/", params=params, stream=True)
        resp.raw.decode_content = True
        return resp, session_id

    def _finish(self, session_id):
        intercom.request("GET", self._path + "/finish-streaming/", params={"readSessionId": session_id})

    def _columns(self, columns):
        cols = self.read_schema()
        if columns:
            by = {c["name"]: c for c in cols}
            missing = [c for c in columns if c not in by]
            if missing:
                raise DataikuException("Columns not in the schema of %s: %s" % (self.name, ", ".join(missing)))
            cols = [by[c] for c in columns]
        return cols

    def iter_tuples(self, columns=None, limit=None):
        """Yields each row as a tuple of values cast to the schema types."""
        cols = self._columns(columns)
        types = [c.get("type", "string") for c in cols]
        resp, sid = self._open_stream([c["name"] for c in cols] if columns else None, limit)
        text = io.TextIOWrapper(resp.raw, encoding="utf-8", newline="")
        try:
            for row in csv.reader(text, delimiter="\t", quotechar='"', doublequote=True):
                vals = [schema_mod.cast_value(t, row[i] if i < len(row) else None) for i, t in enumerate(types)]
                yield tuple(vals)
        finally:
            resp.close()
        self._finish(sid)

    def iter_rows(self, columns=None, limit=None):
        """Yields each row as a dict {column: value}."""
        names = [c["name"] for c in self._columns(columns)]
        for t in self.iter_tuples(columns=columns, limit=limit):
            yield dict(zip(names, t))

    def _frames(self, columns, limit, chunksize):
        import pandas as pd
        cols = self._columns(columns)
        names = [c["name"] for c in cols]
        resp, sid = self._open_stream(names if columns else None, limit)
        try:
            reader = pd.read_csv(resp.raw, sep="\t", header=None, names=names, quotechar='"',
                                 doublequote=True, dtype=str, keep_default_na=False, na_values=[""],
                                 encoding="utf-8", chunksize=chunksize, engine="c")
            if chunksize is None:
                reader = [reader]
            for raw in reader:
                yield _typed_frame(raw, cols)
        except pd.errors.EmptyDataError:
            yield _typed_frame(pd.DataFrame({n: pd.Series([], dtype=object) for n in names}), cols)
        finally:
            resp.close()
        self._finish(sid)

    def get_dataframe(self, columns=None, limit=None, infer_with_pandas=False, parse_dates=True):
        """The whole dataset (or `limit` rows) as a pandas DataFrame typed from the schema."""
        frames = list(self._frames(columns, limit, None))
        return frames[0]

    def iter_dataframes(self, chunksize=10000, columns=None, limit=None, infer_with_pandas=False,
                        parse_dates=True):
        """Yields DataFrames of at most `chunksize` rows."""
        import pandas as pd
        empty = True
        for df in self._frames(columns, limit, chunksize):
            if len(df) == 0 and not empty:
                continue
            empty = False
            yield df

    # ---- writing ----
    def get_writer(self):
        """A DatasetWriter streaming rows into a new version of the dataset (use as a
        context manager, or call close())."""
        return DatasetWriter(self)

    def write_dataframe(self, df, infer_schema=False, dropAndCreate=False):
        """Writes a DataFrame (the schema must already match its columns)."""
        if infer_schema:
            self.write_schema_from_dataframe(df)
        with self.get_writer() as w:
            w.write_dataframe(df)

    def write_with_schema(self, df, drop_and_create=False):
        """Sets the schema from the DataFrame, then writes it."""
        self.write_schema_from_dataframe(df)
        self.write_dataframe(df)

    def _write_partition(self):
        if self.writePartition:
            return self.writePartition
        part = os.environ.get("DKU_PARTITION", "")
        if part and part != "NP":
            cfg = self.get_config() or {}
            dims = ((cfg.get("partitioning") or {}).get("dimensions")) or []
            if dims:
                return part
        return None


def _typed_frame(raw, cols):
    import pandas as pd
    out = {}
    for c in cols:
        name, t = c["name"], c.get("type", "string")
        s = raw[name] if name in raw else pd.Series([], dtype=object)
        if t in schema_mod.INT_TYPES:
            s = pd.to_numeric(s, errors="coerce").astype(schema_mod.INT_TYPES[t])
        elif t in schema_mod.FLOAT_TYPES:
            s = pd.to_numeric(s, errors="coerce").astype(schema_mod.FLOAT_TYPES[t])
        elif t == "boolean":
            s = s.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else v.lower() == "true").astype("boolean")
        elif t in schema_mod.DATE_TYPES:
            s = pd.to_datetime(s, errors="coerce", utc=(t == "date"))
        out[name] = s
    return pd.DataFrame(out, columns=[c["name"] for c in cols])


class DatasetWriter(object):
    """Streams rows to dssd while they are produced: a background thread sends a chunked
    PUT .../data/ whose body is fed through a bounded queue. The new version becomes current
    when close() succeeds."""

    _END = object()
    _ABORT = object()

    def __init__(self, dataset):
        self.dataset = dataset
        self._columns = [c["name"] for c in dataset.read_schema()]
        # At most ~2 MB (8 chunks of 256 KB) waits for the upload: memory stays flat however
        # much the recipe writes.
        self._queue = queue.Queue(maxsize=8)
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, delimiter="\t", quotechar='"', doublequote=True,
                                  lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        self._error = None
        self._result = None
        self._closed = False
        params = {"format": "tsv-excel-noheader", "mode": "overwrite"}
        part = dataset._write_partition()
        if part:
            params["partition"] = part
        self._thread = threading.Thread(target=self._send, args=(params,), daemon=True)
        self._thread.start()

    def _body(self):
        while True:
            chunk = self._queue.get()
            if chunk is self._END:
                return
            if chunk is self._ABORT:
                # Cuts the chunked body without its final chunk: dssd discards the version.
                raise DataikuException("write aborted by the caller")
            yield chunk

    def _send(self, params):
        try:
            resp = intercom.request("PUT", self.dataset._path + "/data/", params=params, data=self._body())
            self._result = resp.json() if resp.content else None
        except Exception as e:  # reported by close()
            self._error = e
            # Unblock a producer waiting on a full queue.
            try:
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass

    def _flush(self, force=False):
        if self._buf.tell() >= 256 * 1024 or (force and self._buf.tell() > 0):
            data = self._buf.getvalue().encode("utf-8")
            self._buf.seek(0)
            self._buf.truncate()
            self._put(data)

    def _put(self, item):
        while True:
            if self._error is not None:
                raise DataikuException("Writing %s failed: %s" % (self.dataset.name, self._error))
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise DataikuException("Writing %s failed: the upload stopped" % self.dataset.name)

    def write_tuple(self, row):
        """Writes one row given as a tuple/list in schema column order."""
        if len(row) != len(self._columns):
            raise DataikuException("Row has %d values, the schema of %s has %d columns"
                                   % (len(row), self.dataset.name, len(self._columns)))
        self._writer.writerow([schema_mod.format_value(v) for v in row])
        self._flush()

    def write_row_array(self, row):
        self.write_tuple(row)

    def write_row_dict(self, row):
        """Writes one row given as a dict {column: value}; missing columns are null."""
        unknown = [k for k in row if k not in self._columns]
        if unknown:
            raise DataikuException("Columns not in the schema of %s: %s" % (self.dataset.name, ", ".join(map(str, unknown))))
        self.write_tuple([row.get(c) for c in self._columns])

    def write_dataframe(self, df):
        """Writes every row of a DataFrame (its columns must match the schema, in order)."""
        names = [str(c) for c in df.columns]
        if names != self._columns:
            raise DataikuException("DataFrame columns %s do not match the schema of %s: %s"
                                   % (names, self.dataset.name, self._columns))
        self._flush(force=True)
        for start in range(0, len(df), _CHUNK_ROWS):
            part = df.iloc[start:start + _CHUNK_ROWS]
            text = part.to_csv(sep="\t", header=False, index=False, quotechar='"', doublequote=True,
                               na_rep="", lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S.%f")
            self._put(text.encode("utf-8"))

    def close(self):
        """Ends the upload; raises DataikuException when dssd refused the data."""
        if self._closed:
            return self._result
        self._closed = True
        if self._error is None:
            self._flush(force=True)
            self._put(self._END)
        self._thread.join()
        if self._error is not None:
            raise DataikuException("Writing %s failed: %s" % (self.dataset.name, self._error))
        return self._result

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            # Do not commit partial data: cut the upload.
            self._closed = True
            if self._error is None:
                try:
                    self._queue.put(self._ABORT, timeout=5)
                except queue.Full:
                    pass
            self._thread.join(timeout=30)
        return False
