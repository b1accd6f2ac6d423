"""USP error codes: TR-369 section 7.8 (7000-7031, Messages) and 4.1.4 (7100-7106, Records)."""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """A USP ``err_code``; 7200-7299 are defined by the data model, 7800-7999 by vendors."""

    MESSAGE_FAILED = 7000
    MESSAGE_NOT_SUPPORTED = 7001
    REQUEST_DENIED = 7002
    INTERNAL_ERROR = 7003
    INVALID_ARGUMENTS = 7004
    RESOURCES_EXCEEDED = 7005
    PERMISSION_DENIED = 7006
    INVALID_CONFIGURATION = 7007
    INVALID_PATH_SYNTAX = 7008
    PARAMETER_ACTION_FAILED = 7009
    UNSUPPORTED_PARAMETER = 7010
    INVALID_TYPE = 7011
    INVALID_VALUE = 7012
    NOT_WRITABLE = 7013
    VALUE_CONFLICT = 7014
    OPERATION_ERROR = 7015
    OBJECT_DOES_NOT_EXIST = 7016
    OBJECT_NOT_CREATED = 7017
    NOT_A_TABLE = 7018
    NOT_CREATABLE = 7019
    OBJECT_NOT_UPDATED = 7020
    REQUIRED_PARAMETER_FAILED = 7021
    COMMAND_FAILURE = 7022
    COMMAND_CANCELED = 7023
    DELETE_FAILURE = 7024
    DUPLICATE_KEY = 7025
    INVALID_PATH = 7026
    INVALID_COMMAND_ARGUMENTS = 7027
    REGISTER_FAILURE = 7028
    ALREADY_IN_USE = 7029
    DEREGISTER_FAILURE = 7030
    PATH_ALREADY_REGISTERED = 7031
    # USP Record errors (TR-369 4.1.4)
    RECORD_NOT_PARSED = 7100
    SECURE_SESSION_REQUIRED = 7101
    SECURE_SESSION_NOT_SUPPORTED = 7102
    SAR_NOT_SUPPORTED = 7103
    INVALID_RECORD_VALUE = 7104
    SESSION_CONTEXT_TERMINATED = 7105
    SESSION_CONTEXT_NOT_ALLOWED = 7106


class UspError(Exception):
    """A failure that becomes a USP ``Error`` (or a per-path error) with ``code``."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{int(code)} {message}")
        self.code = code
        self.message = message
