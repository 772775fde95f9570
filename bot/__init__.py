"""支援会議ボット (shienbot): runs the support meetings of Japanese municipal welfare teams."""

__version__ = "0.1.0"
