"""Argument checks for Download, Upload and ScheduleDownload (P-24, P-30, P-32, X-7).

Every rejection is a precise CwmpFault: 9013 for a transport other than http/https,
9003 for anything else malformed (length limits, userinfo in the URL, unknown FileType,
bad time windows). userinfo is refused with 9003 (not silently stripped): X-7 says the
URL MUST NOT carry it, so such a URL is an invalid argument, and stripping it would
hide credentials in logs and queue files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cwmpd.cwmp.faults import CwmpFault

if TYPE_CHECKING:
    from cwmpd.cwmp.transfer_messages import TimeWindow

DOWNLOAD_TYPES = (
    "1 Firmware Upgrade Image",
    "2 Web Content",
    "3 Vendor Configuration File",
    "4 Tone File",
    "5 Ringer File",
    "6 Stored Firmware Image",
)
UPLOAD_TYPES = ("1 Vendor Configuration File", "2 Vendor Log File")
_UPLOAD_INDEXED = re.compile(r"(3 Vendor Configuration File|4 Vendor Log File) [1-9][0-9]*")
_VENDOR_TYPE = re.compile(r"X [0-9A-F]{6} \S.*")
WINDOW_MODES = ("1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed")

MAX_COMMAND_KEY = 32
MAX_FILE_TYPE = 64
MAX_URL = 256
MAX_TEXT = 256
MAX_UNSIGNED = 2**32 - 1


def _limit(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise CwmpFault(9003, f"{what} longer than {limit} characters")


def check_url(url: str, what: str = "URL") -> None:
    """http(s) URL with a host and no userinfo; 9013 for another scheme, 9003 for the rest."""
    _limit(url, MAX_URL, what)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise CwmpFault(9003, f"{what} is not a valid URL") from None
    if not parts.scheme:
        raise CwmpFault(9003, f"{what} is not an absolute URL")
    if parts.scheme.lower() not in ("http", "https"):
        raise CwmpFault(9013, f"unsupported transfer protocol {parts.scheme or '(none)'!r}")
    if "@" in parts.netloc:
        raise CwmpFault(9003, f"{what} must not carry credentials (X-7)")
    if not parts.hostname or port == 0:
        raise CwmpFault(9003, f"{what} has no host")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise CwmpFault(9003, f"{what} contains spaces or control characters")


def check_common(
    command_key: str, file_type: str, url: str, username: str, password: str, file_size: int
) -> None:
    """The arguments Download, ScheduleDownload and Upload share."""
    _limit(command_key, MAX_COMMAND_KEY, "CommandKey")
    _limit(file_type, MAX_FILE_TYPE, "FileType")
    _limit(username, MAX_TEXT, "Username")
    _limit(password, MAX_TEXT, "Password")
    if not 0 <= file_size <= MAX_UNSIGNED:
        raise CwmpFault(9003, "FileSize out of range")
    check_url(url)


def check_download_type(file_type: str, supported: Sequence[str]) -> None:
    """A known Download FileType the device has a handler for (else 9003)."""
    if file_type not in DOWNLOAD_TYPES and not _VENDOR_TYPE.fullmatch(file_type):
        raise CwmpFault(9003, f"invalid FileType {file_type!r}")
    if file_type not in supported:
        raise CwmpFault(9003, f"FileType {file_type!r} is not supported by this device")


def check_upload_type(file_type: str, supported: Sequence[str]) -> None:
    """A known Upload FileType the device can produce (else 9003)."""
    known = (
        file_type in UPLOAD_TYPES
        or _UPLOAD_INDEXED.fullmatch(file_type)
        or _VENDOR_TYPE.fullmatch(file_type)
    )
    if not known:
        raise CwmpFault(9003, f"invalid Upload FileType {file_type!r}")
    if file_type not in supported:
        raise CwmpFault(9003, f"Upload FileType {file_type!r} is not supported by this device")


def check_text(value: str, what: str) -> None:
    """A string(256) argument such as TargetFileName."""
    _limit(value, MAX_TEXT, what)


def check_windows(windows: Sequence[TimeWindow]) -> None:
    """1 or 2 windows, End > Start, not overlapping, known mode, MaxRetries >= -1 (P-32)."""
    if not 1 <= len(windows) <= 2:
        raise CwmpFault(9003, "TimeWindowList must hold 1 or 2 windows")
    for w in windows:
        if w.window_end <= w.window_start:
            raise CwmpFault(9003, "WindowEnd must be after WindowStart")
        if w.window_mode not in WINDOW_MODES and not _VENDOR_TYPE.fullmatch(w.window_mode):
            raise CwmpFault(9003, f"unknown WindowMode {w.window_mode!r}")
        if w.max_retries < -1:
            raise CwmpFault(9003, "MaxRetries must be -1 or more")
        _limit(w.user_message, MAX_TEXT, "UserMessage")
    if len(windows) == 2:
        first, second = sorted(windows, key=lambda w: w.window_start)
        if second.window_start < first.window_end:
            raise CwmpFault(9003, "time windows overlap")
