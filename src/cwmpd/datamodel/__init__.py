"""The data model: paths, parameter metadata, GPV/GPN/SPV/attributes/Add/Delete semantics."""
