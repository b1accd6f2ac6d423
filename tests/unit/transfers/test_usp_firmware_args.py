"""The argument checks and TimeWindow arithmetic of USP FirmwareImage Download()/Activate()."""

from __future__ import annotations

import pytest

from cwmpd.transfers.usp_firmware import activation_time, download_job, windows


def test_download_arguments() -> None:
    job = download_job(
        {
            "URL": "https://fw.example/img",
            "AutoActivate": "1",
            "FileSize": "42",
            "CheckSumAlgorithm": "SHA-256",
            "CheckSum": "AB" * 32,
        }
    )
    assert (job["auto"], job["file_size"], job["checksum"]) == (True, 42, "ab" * 32)
    assert download_job({"URL": "http://h/x"})["algorithm"] == ""  # no CheckSum: none used
    for bad in (
        {},
        {"URL": "ftp://h/x"},
        {"URL": "http://user:pw@h/x"},
        {"URL": "http://h/x", "FileSize": "-1"},
        {"URL": "http://h/x", "AutoActivate": "yes"},
        {"URL": "http://h/x", "CheckSum": "00", "CheckSumAlgorithm": "MD5"},
        {"URL": "http://h/x", "CheckSum": "xyz", "CheckSumAlgorithm": "SHA-1"},
    ):
        with pytest.raises(ValueError):
            download_job(bad)


def test_time_windows_in_order_and_checked() -> None:
    args = {
        "TimeWindow.2.Start": "100",
        "TimeWindow.2.End": "200",
        "TimeWindow.2.Mode": "WhenIdle",
        "TimeWindow.1.Start": "0",
        "TimeWindow.1.End": "50",
        "TimeWindow.1.Mode": "ConfirmationNeeded",
    }
    assert windows(args) == [
        {"start": 0, "end": 50, "mode": "ConfirmationNeeded"},
        {"start": 100, "end": 200, "mode": "WhenIdle"},
    ]
    for bad in (
        {"TimeWindow.1.Start": "5", "TimeWindow.1.End": "5", "TimeWindow.1.Mode": "AnyTime"},
        {"TimeWindow.1.End": "5", "TimeWindow.1.Mode": "Sometimes"},
        {"TimeWindow.1.End": "5", "TimeWindow.1.Mode": "AnyTime", "TimeWindow.1.MaxRetries": "11"},
        {
            **args,
            "TimeWindow.3.Start": "150",
            "TimeWindow.3.End": "300",
            "TimeWindow.3.Mode": "AnyTime",
        },
    ):
        with pytest.raises(ValueError):
            windows(bad)


def test_activation_time_skips_confirmation_and_closed_windows() -> None:
    job = {
        "received": 1000.0,
        "windows": [
            {"start": 0, "end": 50, "mode": "ConfirmationNeeded"},
            {"start": 100, "end": 200, "mode": "AnyTime"},
        ],
    }
    assert activation_time(job, 1000.0) == 1100.0  # the confirmation window is skipped
    assert activation_time(job, 1150.0) == 1150.0  # within the window (after a restart): now
    assert activation_time(job, 1200.0) is None  # every window closed
    assert activation_time({"received": 5.0, "windows": []}, 9.0) == 5.0  # none: at once
