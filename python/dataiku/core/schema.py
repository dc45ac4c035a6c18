"""DSS schema types <-> pandas dtypes, and TSV (excel dialect) value casting."""
import datetime
import sys

INT_TYPES = {"tinyint": "Int8", "smallint": "Int16", "int": "Int32", "bigint": "Int64"}
FLOAT_TYPES = {"float": "float32", "double": "float64"}
DATE_TYPES = ("date", "datetimenotz", "dateonly")


def pandas_dtype(dss_type):
    """The pandas dtype used for a DSS column type (nullable integer and boolean dtypes)."""
    if dss_type in INT_TYPES:
        return INT_TYPES[dss_type]
    if dss_type in FLOAT_TYPES:
        return FLOAT_TYPES[dss_type]
    if dss_type == "boolean":
        return "boolean"
    return None  # strings, dates (parsed separately), complex types: object


def dss_type_of_dtype(dtype):
    """The DSS column type for a pandas dtype."""
    name = str(dtype)
    low = name.lower()
    if low in ("int8", "uint8"):
        return "tinyint"
    if low in ("int16", "uint16"):
        return "smallint"
    if low in ("int32", "uint32"):
        return "int"
    if low.startswith("int") or low.startswith("uint"):
        return "bigint"
    if low == "float32":
        return "float"
    if low.startswith("float"):
        return "double"
    if low in ("bool", "boolean"):
        return "boolean"
    if low.startswith("datetime64"):
        return "date"
    return "string"


def cast_value(dss_type, value):
    """Casts one TSV cell to the Python value of its DSS type; an empty cell of a non-string
    column is None (null), like the <NA> get_dataframe() gives for it."""
    if value is None or (value == "" and dss_type != "string"):
        return None
    if dss_type == "boolean":
        return value.lower() == "true"
    try:
        if dss_type in INT_TYPES:
            return int(value)
        if dss_type in FLOAT_TYPES:
            return float(value)
        if dss_type in DATE_TYPES:
            if value == "":
                return None
            v = value.replace("Z", "+00:00")
            return datetime.datetime.fromisoformat(v)
    except ValueError:
        return None
    return value


def format_value(v):
    """One Python value as TSV text (before excel quoting)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:  # NaN
            return ""
        return repr(v)
    if isinstance(v, datetime.datetime):
        if v != v:  # pandas.NaT is a datetime
            return ""
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(v, datetime.date):
        return v.isoformat()
    pd = sys.modules.get("pandas")  # only values from pandas need it: never import it here
    if pd is None:
        return str(v)
    try:
        if v is pd.NaT or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, pd.Timestamp):
            return format_value(v.to_pydatetime())
    except (TypeError, ValueError):
        pass
    return str(v)
