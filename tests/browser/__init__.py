"""Browser tests: the course in JupyterLab and the Formgrader, driven through Chromium by Playwright."""
