"""Project variables."""
from dataiku.core import intercom


def get_custom_variables(project_key=None, typed=False):
    """The project's resolved variables (instance variables overridden by the project's
    standard then local variables), as GET /projects/{pk}/variables-resolved returns them.
    Values are strings unless `typed`."""
    pk = project_key or intercom.default_project_key()
    return intercom.json_call("GET", "/projects/%s/variables-resolved" % intercom.quote(pk),
                              params={"typed": "true" if typed else "false"})
