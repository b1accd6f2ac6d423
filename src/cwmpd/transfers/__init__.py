"""File transfers: Download, Upload, ScheduleDownload and their queue."""
