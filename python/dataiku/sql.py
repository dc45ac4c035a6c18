"""SQLExecutor2: run SQL on a connection through dssd's SQL query API (/sql/queries/)."""
import csv
import io

from dataiku.core import intercom
from dataiku.core import schema as schema_mod
from dataiku.core.intercom import DataikuException


class SQLExecutor2(object):
    """Runs queries on a SQL connection (`connection`) or on the connection of a dataset
    (`dataset`, a dataiku.Dataset)."""

    def __init__(self, connection=None, dataset=None):
        if connection is None and dataset is None:
            raise DataikuException("SQLExecutor2 needs a connection name or a dataset")
        self.connection = connection
        self.dataset = dataset

    def _start(self, query, pre_queries=None, post_queries=None):
        body = {"query": query, "preQueries": pre_queries or [], "postQueries": post_queries or [],
                "connection": self.connection, "database": None,
                "datasetFullName": self.dataset.full_name if self.dataset is not None else None,
                "projectKey": intercom.default_project_key() if self.dataset is None and _has_project() else
                (self.dataset.project_key if self.dataset is not None else None),
                "type": "sql", "extraConf": {}, "scriptSteps": None, "scriptInputSchema": None,
                "scriptOutputSchema": None, "scriptReportLocation": None,
                "datetimenotzReadMode": "AS_IS", "dateonlyReadMode": "AS_IS",
                "readTimestampWithoutTimezoneAsString": True, "readDateAsString": False}
        return intercom.json_call("POST", "/sql/queries/", body=body)

    def query_to_iter(self, query, pre_queries=None, post_queries=None):
        """Yields rows (tuples cast to the result schema)."""
        q = self._start(query, pre_queries, post_queries)
        qid, cols = q["queryId"], q.get("schema") or []
        types = [c.get("type", "string") for c in cols]
        resp = intercom.request("GET", "/sql/queries/%s/stream" % intercom.quote(qid),
                                params={"format": "tsv-excel-noheader"}, stream=True)
        resp.raw.decode_content = True
        try:
            for row in csv.reader(io.TextIOWrapper(resp.raw, encoding="utf-8", newline=""),
                                  delimiter="\t", quotechar='"', doublequote=True):
                yield tuple(schema_mod.cast_value(t, row[i] if i < len(row) else None)
                            for i, t in enumerate(types))
        finally:
            resp.close()
        intercom.request("GET", "/sql/queries/%s/finish-streaming" % intercom.quote(qid))

    def query_to_df(self, query, pre_queries=None, post_queries=None, infer_from_schema=True,
                    parse_dates=True):
        """The result of a SELECT as a pandas DataFrame typed from the result schema."""
        import pandas as pd
        from dataiku.dataset import _typed_frame
        q = self._start(query, pre_queries, post_queries)
        qid, cols = q["queryId"], q.get("schema") or []
        names = [c["name"] for c in cols]
        resp = intercom.request("GET", "/sql/queries/%s/stream" % intercom.quote(qid),
                                params={"format": "tsv-excel-noheader"}, stream=True)
        resp.raw.decode_content = True
        try:
            try:
                raw = pd.read_csv(resp.raw, sep="\t", header=None, names=names, quotechar='"',
                                  doublequote=True, dtype=str, keep_default_na=False, na_values=[""],
                                  encoding="utf-8")
            except pd.errors.EmptyDataError:
                raw = pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
        finally:
            resp.close()
        intercom.request("GET", "/sql/queries/%s/finish-streaming" % intercom.quote(qid))
        return _typed_frame(raw, cols)


def _has_project():
    import os
    return bool(os.environ.get("DKU_CURRENT_PROJECT_KEY"))
