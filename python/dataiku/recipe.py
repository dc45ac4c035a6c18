"""The inputs and outputs of the running recipe (set by dssd in the environment)."""
import json
import os

from dataiku.dataset import Dataset


def _refs(var):
    return json.loads(os.environ.get(var, "[]"))


def get_input_names():
    return _refs("DKU_RECIPE_INPUTS")


def get_output_names():
    return _refs("DKU_RECIPE_OUTPUTS")


def get_inputs_as_datasets():
    return [Dataset(n) for n in get_input_names()]


def get_outputs_as_datasets():
    return [Dataset(n) for n in get_output_names()]
