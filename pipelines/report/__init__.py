"""The report of a finished study: frames (tables as pandas), figures, and the markdown page."""

from pipelines.report.markdown import default_out_dir, write_report

__all__ = ["default_out_dir", "write_report"]
