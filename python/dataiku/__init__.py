"""The `dataiku` package for code recipes run by dssd.

Inside a Python recipe dssd sets DKU_BACKEND_URL, DKU_API_TICKET and
DKU_CURRENT_PROJECT_KEY; every call goes to dssd's public REST API with the ticket in the
X-DKU-APITicket header. Outside a job, set DKU_BACKEND_URL and DKU_API_KEY (an API key) and
DKU_CURRENT_PROJECT_KEY to use it from a plain script.
"""
from dataiku.core.intercom import default_project_key, DataikuException
from dataiku.dataset import Dataset, DatasetWriter
from dataiku.folder import Folder
from dataiku.sql import SQLExecutor2
from dataiku.variables import get_custom_variables
from dataiku.client import api_client

__all__ = ["Dataset", "DatasetWriter", "Folder", "SQLExecutor2", "get_custom_variables",
           "api_client", "default_project_key", "DataikuException"]
