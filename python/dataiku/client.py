"""dataiku.api_client(): the public API client bound to the recipe's credentials."""
import os

from dataiku.core import intercom


def api_client():
    """A dataikuapi.DSSClient talking to this dssd with the recipe's ticket (or DKU_API_KEY
    outside recipes). Raises ImportError when the `dataikuapi` package is not installed:
    dssd does not ship it (install it with pip, e.g. `pip install dataiku-api-client`)."""
    try:
        import dataikuapi
    except ImportError as e:
        raise ImportError("dataiku.api_client() needs the 'dataikuapi' package (the official DSS public "
                          "API client), which is not installed in this Python: install it with "
                          "'pip install dataiku-api-client'") from e
    url = intercom.backend_url()
    ticket = os.environ.get("DKU_API_TICKET")
    if ticket:
        return dataikuapi.DSSClient(url, internal_ticket=ticket)
    return dataikuapi.DSSClient(url, api_key=os.environ.get("DKU_API_KEY"))
