"""Static pages for people, under `settings.reports_dir`: the report index, the Data Docs, and the front-end files
they share (vendored from the npm packages in package.json, so every page reads offline)."""
